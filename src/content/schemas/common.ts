/** Small building blocks shared by the kinds' schemas. Every array has a bound. */
import { z } from 'zod';

/** a non-empty line of text */
export const text = () => z.string().min(1);

/** a non-empty list of at most `max` items */
export const list = <T extends z.ZodType>(item: T, max = 50) => z.array(item).min(1).max(max);
