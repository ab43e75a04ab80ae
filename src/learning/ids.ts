import { randomUUID } from 'node:crypto';

/** A new id with a readable prefix, e.g. `les_3f2a…`. */
export const newId = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '')}`;
