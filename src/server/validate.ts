/**
 * Light validation of OpenAI request bodies: the fields Polymath reads and the common mistakes.
 * Every other field passes through to the upstream untouched; the original object is kept.
 */
import { z } from 'zod';
import { PolymathError } from '../errors.js';
import type { ChatRequest, EmbedRequest } from '../providers/types.js';

/** A model or route name: it is echoed in the x-polymath-model header and sent upstream. */
export const MAX_MODEL_LENGTH = 256;
/** C0 controls, DEL and C1 controls: never part of a model name. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const modelName = z
  .string()
  .min(1)
  .max(MAX_MODEL_LENGTH)
  .refine((s) => !CONTROL.test(s), 'must not contain control characters');
/** OpenAI's `user`: an end-user id, bounded like a model name. */
const user = z.string().max(MAX_MODEL_LENGTH).nullish();
/** OpenAI's `metadata`: at most 16 string pairs, keys up to 64 characters and values up to 512. */
const metadata = z
  .record(z.string().max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, 'at most 16 keys')
  .nullish();

const nullableNumber = (min: number, max: number) => z.number().min(min).max(max).nullish();

const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
});

export const chatSchema = z.looseObject({
  model: modelName,
  user,
  metadata,
  messages: z.array(message).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  temperature: nullableNumber(0, 2),
  top_p: nullableNumber(0, 1),
  n: z.number().int().min(1).max(128).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4), z.null()]).optional(),
  seed: z.number().int().nullish(),
  response_format: z
    .discriminatedUnion('type', [
      z.looseObject({ type: z.literal('text') }),
      z.looseObject({ type: z.literal('json_object') }),
      z.looseObject({ type: z.literal('json_schema'), json_schema: z.looseObject({ name: z.string().min(1), schema: z.record(z.string(), z.unknown()).optional() }) }),
    ])
    .optional(),
});

const embedSchema = z.looseObject({
  model: modelName,
  user,
  input: z.union([z.string(), z.array(z.string()).min(1), z.array(z.number().int()).min(1), z.array(z.array(z.number().int()).min(1)).min(1)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).optional(),
});

function check<T>(schema: z.ZodType, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new PolymathError('invalid_request', 'The request body must be a JSON object.', { code: 'invalid_body' });
  }
  const result = schema.safeParse(body);
  if (result.success) return body as T;
  const issue = result.error.issues[0];
  const param = issue.path.map(String).join('.');
  throw new PolymathError('invalid_request', `Invalid request: ${param ? `${param}: ` : ''}${issue.message}`, { param: param || null, code: 'invalid_value' });
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
/** Fields the quick check leaves to zod whenever they are present. */
const LEFT_TO_ZOD = ['stream_options', 'stop', 'response_format', 'metadata'] as const;

const nullishIn = (v: unknown, min: number, max: number, int: boolean) =>
  v === undefined || v === null || (typeof v === 'number' && v >= min && v <= max && (!int || Number.isSafeInteger(v)));

/**
 * The common chat request (text messages, plain sampling fields) checked by hand: zod costs ~7 µs
 * a request once V8 has optimized it and ~40 µs before. It only ever accepts what `chatSchema`
 * accepts (a test holds it to that); anything else, valid or not, goes to zod, which also words
 * the error.
 */
export function quickChat(b: Record<string, unknown>): boolean {
  if (typeof b.model !== 'string' || b.model.length === 0 || b.model.length > MAX_MODEL_LENGTH || CONTROL.test(b.model)) return false;
  if (b.user !== undefined && b.user !== null && (typeof b.user !== 'string' || b.user.length > MAX_MODEL_LENGTH)) return false;
  const messages = b.messages;
  if (!Array.isArray(messages) || messages.length === 0) return false;
  for (const m of messages as unknown[]) {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) return false;
    const { role, content } = m as { role?: unknown; content?: unknown };
    if (typeof role !== 'string' || !ROLES.has(role)) return false;
    if (content !== undefined && content !== null && typeof content !== 'string') return false;
  }
  for (const key of LEFT_TO_ZOD) if (b[key] !== undefined) return false;
  return (
    (b.stream === undefined || b.stream === null || typeof b.stream === 'boolean') &&
    nullishIn(b.temperature, 0, 2, false) &&
    nullishIn(b.top_p, 0, 1, false) &&
    nullishIn(b.n, 1, 128, true) &&
    nullishIn(b.max_tokens, 1, Infinity, true) &&
    nullishIn(b.max_completion_tokens, 1, Infinity, true) &&
    nullishIn(b.seed, -Infinity, Infinity, true)
  );
}

export function validateChat(body: unknown): ChatRequest {
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && quickChat(body as Record<string, unknown>)) return body as ChatRequest;
  return check<ChatRequest>(chatSchema, body);
}
export const validateEmbed = (body: unknown): EmbedRequest => check<EmbedRequest>(embedSchema, body);

/** For bodies validated elsewhere (content): a string `model` follows the model-name rule, or a 400. */
export function checkModelName(body: unknown): void {
  const model = body !== null && typeof body === 'object' ? (body as { model?: unknown }).model : undefined;
  if (typeof model !== 'string') return;
  const problem = model.length > MAX_MODEL_LENGTH ? `is longer than ${MAX_MODEL_LENGTH} characters` : CONTROL.test(model) ? 'must not contain control characters' : undefined;
  if (problem) throw new PolymathError('invalid_request', `Invalid request: model: ${problem}`, { param: 'model', code: 'invalid_value' });
}
