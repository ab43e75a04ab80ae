/** The learning API's request bodies, validated into clear 400s that name the field at fault. */
import { z } from 'zod';
import { personaSchema } from '../content/index.js';
import { PolymathError } from '../errors.js';

export const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const subject = z.string().trim().min(1).max(100);

export const createLearnerSchema = z
  .object({
    id: z.string().regex(ID, 'letters, digits, ".", "_", ":" and "-", at most 128').optional(),
    name: z.string().trim().min(1).max(200).optional(),
    persona: personaSchema,
    subjects: z.array(subject).max(50).optional(),
  })
  .strict();

export const patchLearnerSchema = z
  .object({
    name: z.string().trim().min(1).max(200).nullable().optional(),
    persona: personaSchema.optional(),
    subjects: z.array(subject).max(50).optional(),
  })
  .strict();

export const createLessonSchema = z
  .object({
    topic: z.string().trim().min(1).max(300).optional(),
    subject: subject.optional(),
  })
  .strict();

/** An answer: an option index (multiple choice), a string (short answer), or null (skipped). */
export const submissionSchema = z
  .object({
    answers: z.array(z.union([z.number().int().min(0).max(99), z.string().max(2_000), z.null()])).min(1).max(50),
    retake: z.boolean().optional(),
  })
  .strict();

const RATINGS = { again: 1, hard: 2, good: 3, easy: 4 } as const;
export const reviewSchema = z
  .object({
    rating: z.union([z.number().int().min(1).max(4), z.enum(['again', 'hard', 'good', 'easy']).transform((r) => RATINGS[r])]),
    reviewed_at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export const createFlashcardsSchema = z
  .object({
    lesson_id: z.string().regex(ID).optional(),
    topic: z.string().trim().min(1).max(300).optional(),
    count: z.number().int().min(1).max(30).optional(),
  })
  .strict()
  .refine((b) => (b.lesson_id === undefined) !== (b.topic === undefined), { message: 'give exactly one of "lesson_id" or "topic"', path: ['topic'] });

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  if (body === null || body === undefined || typeof body !== 'object' || Array.isArray(body)) {
    throw new PolymathError('invalid_request', 'The request body must be a JSON object.', { code: 'invalid_body' });
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = issue.path.map(String).join('.');
    throw new PolymathError('invalid_request', `Invalid request: ${param ? `${param}: ` : ''}${issue.message}`, { param: param || null, code: 'invalid_value' });
  }
  return result.data;
}

/** An ISO time from a query string or body; a clear 400 otherwise. */
export function parseTime(value: string | undefined, param: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms) || !/^\d{4}-\d{2}-\d{2}/.test(value)) throw new PolymathError('invalid_request', `${param} must be an ISO 8601 time such as 2026-01-31T12:00:00Z.`, { param, code: 'invalid_value' });
  return ms;
}
