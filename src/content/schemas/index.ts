/**
 * The registry of content kinds: name → zod schema, default temperature, whether it streams.
 * A kind's prompt lives in prompts/<kind>.v<N>.md.
 */
import { z } from 'zod';
import { explanationSchema } from './explanation.js';
import { examplesSchema } from './examples.js';
import { exercisesSchema } from './exercises.js';
import { feedbackSchema } from './feedback.js';
import { flashcardsSchema } from './flashcards.js';
import { knowledgeGraphSchema } from './knowledge-graph.js';
import { lessonSchema } from './lesson.js';
import { outlineSchema } from './outline.js';
import { quizSchema } from './quiz.js';
import { storySchema } from './story.js';
import { summarySchema } from './summary.js';

export interface KindSpec<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** used when the request does not set options.temperature */
  temperature: number;
  /** whether `stream: true` is accepted */
  streams: boolean;
  /** what the request must carry: a topic, a text (summary, feedback), or either */
  input: 'topic' | 'text' | 'either';
}

export const KINDS = {
  lesson: { schema: lessonSchema, temperature: 0.3, streams: true, input: 'either' },
  quiz: { schema: quizSchema, temperature: 0.3, streams: false, input: 'either' },
  feedback: { schema: feedbackSchema, temperature: 0.6, streams: false, input: 'text' },
  knowledge_graph: { schema: knowledgeGraphSchema, temperature: 0.2, streams: false, input: 'either' },
  explanation: { schema: explanationSchema, temperature: 0.4, streams: true, input: 'either' },
  summary: { schema: summarySchema, temperature: 0.4, streams: false, input: 'text' },
  flashcards: { schema: flashcardsSchema, temperature: 0.4, streams: false, input: 'either' },
  outline: { schema: outlineSchema, temperature: 0.4, streams: true, input: 'either' },
  examples: { schema: examplesSchema, temperature: 0.4, streams: false, input: 'either' },
  exercises: { schema: exercisesSchema, temperature: 0.4, streams: false, input: 'either' },
  story: { schema: storySchema, temperature: 0.8, streams: true, input: 'either' },
} as const satisfies Record<string, KindSpec>;

export type Kind = keyof typeof KINDS;
export const KIND_NAMES = Object.keys(KINDS) as Kind[];

/** The content type of each kind, inferred from its schema. */
export type ContentOf<K extends Kind> = z.infer<(typeof KINDS)[K]['schema']>;
export type AnyContent = { [K in Kind]: ContentOf<K> }[Kind];

export function isKind(name: string): name is Kind {
  return Object.hasOwn(KINDS, name);
}

/**
 * The JSON Schema a provider is asked to match. `oneOf` from discriminated unions becomes `anyOf`
 * (equivalent here, since the branches differ in a const), which OpenAI's strict mode accepts;
 * the llama-cpp provider maps it back for node-llama-cpp's grammar builder.
 */
export function jsonSchemaOf(kind: Kind): Record<string, unknown> {
  const cached = jsonSchemaCache.get(kind);
  if (cached) return cached;
  const { $schema: _ignored, ...schema } = z.toJSONSchema(KINDS[kind].schema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  const out = renameOneOf(schema) as Record<string, unknown>;
  jsonSchemaCache.set(kind, out);
  return out;
}
const jsonSchemaCache = new Map<Kind, Record<string, unknown>>();

/**
 * The schema for `response_format` with `strict: true`: OpenAI's strict mode rejects the string
 * length keywords, so they are left out here (zod still enforces them on the answer).
 */
export function strictSchemaOf(kind: Kind): Record<string, unknown> {
  let strict = strictSchemaCache.get(kind);
  if (!strict) {
    strict = dropKeys(jsonSchemaOf(kind), new Set(['minLength', 'maxLength'])) as Record<string, unknown>;
    strictSchemaCache.set(kind, strict);
  }
  return strict;
}
const strictSchemaCache = new Map<Kind, Record<string, unknown>>();

function dropKeys(node: unknown, keys: ReadonlySet<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => dropKeys(n, keys));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).filter(([k]) => !keys.has(k)).map(([k, v]) => [k, dropKeys(v, keys)]));
}

function renameOneOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(renameOneOf);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key === 'oneOf' ? 'anyOf' : key] = renameOneOf(value);
  return out;
}

export * from './common.js';
export { lessonSchema, type Lesson } from './lesson.js';
export { quizSchema, quizQuestionSchema, multipleChoiceSchema, shortAnswerSchema, type Quiz, type QuizQuestion } from './quiz.js';
export { feedbackSchema, type Feedback } from './feedback.js';
export { knowledgeGraphSchema, RELATION_TYPES, type KnowledgeGraph } from './knowledge-graph.js';
export { explanationSchema, type Explanation } from './explanation.js';
export { summarySchema, SUMMARY_FORMATS, type Summary } from './summary.js';
export { flashcardsSchema, type Flashcards } from './flashcards.js';
export { outlineSchema, type Outline } from './outline.js';
export { examplesSchema, type Examples } from './examples.js';
export { exercisesSchema, type Exercises } from './exercises.js';
export { storySchema, type Story } from './story.js';
