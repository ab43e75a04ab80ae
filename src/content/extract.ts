/**
 * Finds the JSON object in a model's answer: the whole text, else a ```json fence, else the
 * span from the first `{` to the last `}`. Models without a JSON mode wrap JSON in prose.
 */
import { Allow, parse as parsePartial } from 'partial-json';

export type Extracted = { ok: true; value: unknown } | { ok: false; error: string };

export function extractJson(text: string): Extracted {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, error: 'the answer was empty' };
  const candidates = [trimmed];
  const fence = /```(?:json)?\s*\n([\s\S]*?)```/i.exec(trimmed);
  if (fence) candidates.push(fence[1]);
  const first = trimmed.indexOf('{');
  const last = trimmed.lastIndexOf('}');
  if (first !== -1 && last > first) candidates.push(trimmed.slice(first, last + 1));
  let error = '';
  for (const c of candidates) {
    try {
      return { ok: true, value: JSON.parse(c) };
    } catch (err) {
      error ||= (err as Error).message;
    }
  }
  return { ok: false, error: `the answer is not a JSON object (${error})` };
}

/** The object so far in a streamed answer that is still being written, or undefined. */
export function partialObject(text: string): Record<string, unknown> | undefined {
  const first = text.indexOf('{');
  if (first === -1) return undefined;
  try {
    const value: unknown = parsePartial(text.slice(first), Allow.ALL);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
