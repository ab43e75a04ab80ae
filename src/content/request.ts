/** The body of POST /v1/content/{kind}: what to write about, for whom, with which options. */
import { z } from 'zod';
import { PolymathError } from '../errors.js';
import { personaSchema } from './persona.js';
import { KINDS, SUMMARY_FORMATS, type Kind } from './schemas/index.js';

export const contentOptionsSchema = z.looseObject({
  /** how many items (questions, cards, sections, concepts, chapters...); each kind has a default */
  count: z.number().int().min(1).max(30).optional(),
  /** overrides the kind's default temperature */
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().min(1).max(32_768).optional(),
  /** summary only */
  format: z.enum(SUMMARY_FORMATS).optional(),
  /** use prompts/<kind>.v<N>.md instead of the newest version */
  prompt_version: z.number().int().min(1).optional(),
  /** deadline for the whole generation, repairs included */
  timeout_ms: z.number().int().min(1_000).max(600_000).optional(),
});
export type ContentOptions = z.infer<typeof contentOptionsSchema>;

export const contentBodySchema = z.object({
  topic: z.string().trim().min(1).max(300).optional(),
  text: z.string().trim().min(1).max(50_000).optional(),
  persona: personaSchema.optional(),
  options: contentOptionsSchema.optional(),
  /** a route alias, `provider/model` or `provider`; default "default" */
  model: z.string().min(1).max(300).optional(),
  stream: z.boolean().optional(),
});
export type ContentBody = z.infer<typeof contentBodySchema>;

export interface ContentRequest extends ContentBody {
  kind: Kind;
}

/** Items per kind when options.count is not set. */
export const DEFAULT_COUNT: Record<Kind, number> = {
  lesson: 3,
  quiz: 5,
  feedback: 3,
  knowledge_graph: 8,
  explanation: 1,
  summary: 5,
  flashcards: 8,
  outline: 5,
  examples: 3,
  exercises: 5,
  story: 3,
};

/** Validates a body for a kind: a clear 400 naming the field at fault. */
export function parseContentBody(kind: Kind, body: unknown): ContentRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new PolymathError('invalid_request', 'The request body must be a JSON object.', { code: 'invalid_body' });
  }
  const result = contentBodySchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = issue.path.map(String).join('.');
    throw new PolymathError('invalid_request', `Invalid request: ${param ? `${param}: ` : ''}${issue.message}`, { param: param || null, code: 'invalid_value' });
  }
  const req: ContentRequest = { kind, ...result.data };
  const input = KINDS[kind].input;
  if (input === 'text' && !req.text) {
    throw new PolymathError('invalid_request', `A ${kind} request needs "text" (${kind === 'feedback' ? "the learner's answers" : 'the text to summarize'}).`, { param: 'text', code: 'missing_text' });
  }
  if (input === 'either' && !req.topic && !req.text) {
    throw new PolymathError('invalid_request', `A ${kind} request needs a "topic" or a "text".`, { param: 'topic', code: 'missing_topic' });
  }
  if (req.stream && !KINDS[kind].streams) {
    throw new PolymathError('invalid_request', `"${kind}" does not stream; streaming kinds: ${Object.entries(KINDS).filter(([, s]) => s.streams).map(([k]) => k).join(', ')}.`, { param: 'stream', code: 'stream_unsupported' });
  }
  return req;
}
