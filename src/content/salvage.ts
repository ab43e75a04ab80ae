/**
 * What can be kept of an answer that fails its schema: a value of the schema's shape made from
 * every part that parsed, so the pedagogy checks can still run on it and a repair round can list
 * the schema's problems and the checks' problems together.
 *
 * Valid parts are kept as they parsed; array items keep their places (so "question 3" in a check
 * is question 3 of the answer); a missing or wrong leaf becomes a neutral placeholder (an empty
 * string, NaN, an empty list, a union's closest branch), which the schema errors already report.
 */
import { z } from 'zod';

/** the most items kept from one array: the schemas allow at most 100 */
const MAX_ITEMS = 200;
/** how deep the walk goes: the kinds' schemas are at most four levels deep */
const MAX_DEPTH = 16;

export function salvage(schema: z.ZodType, value: unknown, depth = 0): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  if (depth > MAX_DEPTH) return undefined;
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) {
    return value === undefined || value === null ? value : salvage(schema.unwrap() as z.ZodType, value, depth + 1);
  }
  if (schema instanceof z.ZodObject) {
    const from = isRecord(value) ? value : {};
    return Object.fromEntries(Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, field]) => [key, salvage(field, Object.hasOwn(from, key) ? from[key] : undefined, depth + 1)]));
  }
  if (schema instanceof z.ZodArray) {
    const items: unknown[] = Array.isArray(value) ? value.slice(0, MAX_ITEMS) : [];
    return items.map((item) => salvage(schema.element as z.ZodType, item, depth + 1));
  }
  if (schema instanceof z.ZodUnion) {
    // the branch the value comes closest to: for a discriminated union, the one its tag names
    const options = schema.options as readonly z.ZodType[];
    const tagged = options.filter((s) => tagMatches(s, value));
    const issues = (s: z.ZodType) => s.safeParse(value).error?.issues.length ?? 0;
    const closest = (tagged.length ? tagged : options).reduce((best, s) => (issues(s) < issues(best) ? s : best));
    return salvage(closest, value, depth + 1);
  }
  if (schema instanceof z.ZodString) return typeof value === 'string' ? value : '';
  if (schema instanceof z.ZodNumber) return typeof value === 'number' ? value : Number.NaN;
  if (schema instanceof z.ZodBoolean) return typeof value === 'boolean' ? value : false;
  if (schema instanceof z.ZodLiteral) return schema.value;
  if (schema instanceof z.ZodEnum) return (schema.options as readonly unknown[])[0];
  return undefined;
}

/** Whether an object branch has a literal tag (`type: "multiple_choice"`) and the value carries it. */
function tagMatches(schema: z.ZodType, value: unknown): boolean {
  if (!(schema instanceof z.ZodObject) || !isRecord(value)) return false;
  const tags = Object.entries(schema.shape as Record<string, z.ZodType>).filter(([, s]) => s instanceof z.ZodLiteral);
  return tags.length > 0 && tags.every(([key, s]) => (s as z.ZodLiteral).value === value[key]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
