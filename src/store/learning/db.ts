/** Shared helpers of the learning queries: the database handle type, JSON columns, unique violations. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** the database or a transaction on it */
export type Db = Kysely<Database>;

export const toJson = (value: unknown): string => JSON.stringify(value);
export const fromJson = <T>(text: string | null): T => (text === null ? (null as T) : (JSON.parse(text) as T));

/** Whether an error is a unique or primary-key violation, on SQLite or Postgres. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
