/**
 * The typed TypeScript client for Polymath, exported as `polymath/client`:
 *
 *   const pm = new PolymathClient({ baseUrl: 'http://127.0.0.1:8787', apiKey });
 *   const quiz = await pm.generate('quiz', { topic: 'volcano', persona: { grade: 5 } });
 *   quiz.content.questions[0];   // typed from the same zod schema the server validates with
 *
 * Every call has a timeout (default 120 s) and takes an AbortSignal. Errors are PolymathApiError
 * with the status and OpenAI error fields.
 */
import { createParser } from 'eventsource-parser';
import type { ContentResult } from '../content/generate.js';
import type { ContentBody } from '../content/request.js';
import type { QualityReport } from '../content/quality/types.js';
import { KINDS, type ContentOf, type Kind } from '../content/schemas/index.js';
import type { ChatCompletion, ChatRequest, EmbedRequest, EmbedResponse } from '../providers/types.js';
import type { Learner, LearnerProgress, LessonView, Flashcard, SubmissionResult, NewLearner, LearnerPatch, ReviewRating } from './learning-types.js';

export type { Kind, ContentOf, QualityReport, ContentBody };
export type * from './learning-types.js';
export type { Persona } from '../content/persona.js';

export type StreamingKind = { [K in Kind]: (typeof KINDS)[K]['streams'] extends true ? K : never }[Kind];

/** A content result as the server sends it: the same type the engine returns. */
export type GenerateResult<K extends Kind = Kind> = ContentResult<K>;

type DeepPartial<T> = T extends Array<infer U> ? Array<DeepPartial<U>> : T extends object ? { [P in keyof T]?: DeepPartial<T[P]> } : T;

export type StreamEvent<K extends Kind = Kind> =
  | { type: 'partial'; content: DeepPartial<ContentOf<K>> }
  | { type: 'repair'; attempt: number; errors: string[] }
  | ({ type: 'result' } & GenerateResult<K>);

export type BatchItem = { [K in Kind]: { kind: K } & Omit<ContentBody, 'stream'> }[Kind];

export type BatchEntry =
  | ({ index: number; status: 200 } & GenerateResult)
  | { index: number; status: number; error: { message: string; type: string; param: string | null; code: string | null } };

export interface CallOptions {
  signal?: AbortSignal;
  /** overrides the client's timeout for this call */
  timeoutMs?: number;
}

export interface PolymathClientOptions {
  /** e.g. http://127.0.0.1:8787 (with or without a trailing /v1) */
  baseUrl: string;
  apiKey?: string;
  /** per call, default 120000 */
  timeoutMs?: number;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

export class PolymathApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null,
    readonly param: string | null,
  ) {
    super(message);
    this.name = 'PolymathApiError';
  }
}

const DEFAULT_TIMEOUT_MS = 120_000;

export class PolymathClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly fetchFn: typeof fetch;

  constructor(opts: PolymathClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.headers = { 'content-type': 'application/json', ...opts.headers, ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) };
    this.fetchFn = opts.fetch ?? fetch;
  }

  /** Generates one piece of content; its `content` is checked against the kind's schema. */
  async generate<K extends Kind>(kind: K, body: Omit<ContentBody, 'stream'>, opts: CallOptions = {}): Promise<GenerateResult<K>> {
    const result = (await this.post(`/v1/content/${encodeURIComponent(kind)}`, body, opts)) as GenerateResult<K>;
    return { ...result, content: parseContent(kind, result.content) };
  }

  /** Streams a streaming kind: partial objects, repair notices, then the validated result. */
  async *stream<K extends StreamingKind>(kind: K, body: Omit<ContentBody, 'stream'>, opts: CallOptions = {}): AsyncGenerator<StreamEvent<K>> {
    const { res, done } = await this.send(`/v1/content/${encodeURIComponent(kind)}`, { ...body, stream: true }, opts);
    try {
      if (!res.body) throw new PolymathApiError(res.status, 'the stream had no body', 'client_error', null, null);
      const queue: string[] = [];
      const parser = createParser({ onEvent: (e) => queue.push(e.data) });
      const decoder = new TextDecoder();
      for await (const bytes of res.body as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(bytes, { stream: true }));
        while (queue.length) {
          const event = JSON.parse(queue.shift()!) as StreamEvent<K> | { type: 'error'; error: { message: string; type: string; code: string | null; param: string | null } };
          if (event.type === 'error') throw new PolymathApiError(res.status, event.error.message, event.error.type, event.error.code, event.error.param);
          if (event.type === 'result') {
            yield { ...event, content: parseContent(kind, event.content) };
            return;
          }
          yield event;
        }
      }
      throw new PolymathApiError(res.status, 'the stream ended without a result', 'client_error', null, null);
    } finally {
      done();
    }
  }

  /** Many items in one call; each entry is a result or an error. */
  async batch(items: BatchItem[], opts: CallOptions & { concurrency?: number } = {}): Promise<BatchEntry[]> {
    const out = (await this.post('/v1/content/batch', { items, ...(opts.concurrency ? { concurrency: opts.concurrency } : {}) }, opts)) as { data: BatchEntry[] };
    return out.data;
  }

  chat(req: ChatRequest & { stream?: false | null }, opts: CallOptions = {}): Promise<ChatCompletion> {
    return this.post('/v1/chat/completions', req, opts) as Promise<ChatCompletion>;
  }

  embeddings(req: EmbedRequest, opts: CallOptions = {}): Promise<EmbedResponse> {
    return this.post('/v1/embeddings', req, opts) as Promise<EmbedResponse>;
  }

  // The learning loop (see README "Learning loop").

  createLearner(body: NewLearner, opts: CallOptions = {}): Promise<Learner> {
    return this.post('/v1/learners', body, opts) as Promise<Learner>;
  }

  getLearner(id: string, opts: CallOptions = {}): Promise<Learner> {
    return this.request('GET', `/v1/learners/${encodeURIComponent(id)}`, undefined, opts) as Promise<Learner>;
  }

  updateLearner(id: string, patch: LearnerPatch, opts: CallOptions = {}): Promise<Learner> {
    return this.request('PATCH', `/v1/learners/${encodeURIComponent(id)}`, patch, opts) as Promise<Learner>;
  }

  /** A lesson with its quiz (no answer key): on `topic`, else the learner's weakest concept. */
  createLesson(learnerId: string, body: { topic?: string; subject?: string } = {}, opts: CallOptions = {}): Promise<LessonView> {
    return this.post(`/v1/learners/${encodeURIComponent(learnerId)}/lessons`, body, opts) as Promise<LessonView>;
  }

  async listLessons(learnerId: string, status?: LessonView['status'], opts: CallOptions = {}): Promise<LessonView[]> {
    const q = status ? `?status=${encodeURIComponent(status)}` : '';
    return ((await this.request('GET', `/v1/learners/${encodeURIComponent(learnerId)}/lessons${q}`, undefined, opts)) as { data: LessonView[] }).data;
  }

  getLesson(learnerId: string, lessonId: string, opts: CallOptions = {}): Promise<LessonView> {
    return this.request('GET', `/v1/learners/${encodeURIComponent(learnerId)}/lessons/${encodeURIComponent(lessonId)}`, undefined, opts) as Promise<LessonView>;
  }

  /** Scored on the server; repeat `idempotencyKey` to get the first result again. */
  submitQuiz(quizId: string, body: { answers: Array<number | string | null>; retake?: boolean }, opts: CallOptions & { idempotencyKey?: string } = {}): Promise<SubmissionResult> {
    return this.request('POST', `/v1/quizzes/${encodeURIComponent(quizId)}/submissions`, body, opts, opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {}) as Promise<SubmissionResult>;
  }

  progress(learnerId: string, opts: CallOptions = {}): Promise<LearnerProgress> {
    return this.request('GET', `/v1/learners/${encodeURIComponent(learnerId)}/progress`, undefined, opts) as Promise<LearnerProgress>;
  }

  async createFlashcards(learnerId: string, body: { lesson_id: string; count?: number } | { topic: string; count?: number }, opts: CallOptions = {}): Promise<Flashcard[]> {
    return ((await this.post(`/v1/learners/${encodeURIComponent(learnerId)}/flashcards`, body, opts)) as { data: Flashcard[] }).data;
  }

  async dueFlashcards(learnerId: string, now?: Date | string, opts: CallOptions = {}): Promise<Flashcard[]> {
    const q = now ? `?now=${encodeURIComponent(typeof now === 'string' ? now : now.toISOString())}` : '';
    return ((await this.request('GET', `/v1/learners/${encodeURIComponent(learnerId)}/flashcards/due${q}`, undefined, opts)) as { data: Flashcard[] }).data;
  }

  reviewFlashcard(cardId: string, body: { rating: ReviewRating; reviewed_at?: string }, opts: CallOptions = {}): Promise<{ card: Flashcard; review: { rating: number; reviewed_at: string } }> {
    return this.request('POST', `/v1/flashcards/${encodeURIComponent(cardId)}/reviews`, body, opts) as Promise<{ card: Flashcard; review: { rating: number; reviewed_at: string } }>;
  }

  private post(path: string, body: unknown, opts: CallOptions): Promise<unknown> {
    return this.request('POST', path, body, opts);
  }

  private async request(method: string, path: string, body: unknown, opts: CallOptions, headers: Record<string, string> = {}): Promise<unknown> {
    const { res, done } = await this.send(path, body, opts, method, headers);
    try {
      return await res.json();
    } finally {
      done();
    }
  }

  /** Sends a request with a deadline; a non-2xx answer becomes a PolymathApiError. */
  private async send(path: string, body: unknown, opts: CallOptions, method = 'POST', headers: Record<string, string> = {}): Promise<{ res: Response; done: () => void }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new PolymathApiError(0, `request timed out after ${opts.timeoutMs ?? this.timeoutMs} ms`, 'timeout', 'timeout', null)), opts.timeoutMs ?? this.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal;
    const done = () => clearTimeout(timer);
    try {
      const hasBody = body !== undefined;
      const sent = hasBody ? { ...this.headers, ...headers } : Object.fromEntries(Object.entries({ ...this.headers, ...headers }).filter(([k]) => k !== 'content-type'));
      const res = await this.fetchFn(`${this.base}${path}`, { method, headers: sent, ...(hasBody ? { body: JSON.stringify(body) } : {}), signal });
      if (!res.ok) throw await apiError(res);
      return { res, done };
    } catch (err) {
      done();
      if (signal.aborted && signal.reason instanceof PolymathApiError) throw signal.reason;
      throw err;
    }
  }
}

async function apiError(res: Response): Promise<PolymathApiError> {
  const text = await res.text();
  try {
    const { error } = JSON.parse(text) as { error: { message: string; type: string; code: string | null; param: string | null } };
    return new PolymathApiError(res.status, error.message, error.type, error.code ?? null, error.param ?? null);
  } catch {
    return new PolymathApiError(res.status, text.slice(0, 500) || `HTTP ${res.status}`, 'http_error', null, null);
  }
}

function parseContent<K extends Kind>(kind: K, content: unknown): ContentOf<K> {
  const parsed = KINDS[kind].schema.safeParse(content);
  if (!parsed.success) throw new PolymathApiError(200, `the server's ${kind} did not match the client's schema: ${parsed.error.issues[0]?.message}`, 'invalid_output', 'invalid_output', null);
  return parsed.data as ContentOf<K>;
}
