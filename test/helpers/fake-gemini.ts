/**
 * A local fake of the Gemini API (generativelanguage v1beta) that speaks its documented wire
 * format: `x-goog-api-key` checked (a wrong key gets Google's 400 API_KEY_INVALID),
 * `POST /v1beta/models/{model}:generateContent` answering a GenerateContentResponse,
 * `:streamGenerateContent?alt=sse` answering `data: <GenerateContentResponse>\r\n\r\n` events with
 * no closing event, `:embedContent` and `:batchEmbedContents`, and Google's error bodies
 * `{"error":{"code","message","status","details"}}`. Each test sets `behave` to script answers.
 */
import type { ServerResponse } from 'node:http';
import { json as jsonAnswer, startFakeServer, type Handler, type Received as BaseReceived } from './fake-server.js';

export interface Received extends BaseReceived {
  /** the model and method of the path, e.g. `gemini-2.5-flash` and `generateContent` */
  model: string;
  action: string;
}

export type Behaviour = Handler<Received>;

export interface FakeGemini {
  /** the API host, as `base_url` takes it (the provider adds /v1beta) */
  url: string;
  received: Received[];
  behave: Behaviour;
  close(): Promise<void>;
}

export const FAKE_GEMINI_KEY = 'AIza-fake-secret';

export interface Candidate {
  content?: { role: 'model'; parts: Array<Record<string, unknown>> };
  finishReason?: string;
  index?: number;
  safetyRatings?: unknown[];
}

export function usage(prompt = 11, candidates = 5, thoughts = 0) {
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates + thoughts,
    ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
  };
}

export function response(candidates: Candidate[], extra: Record<string, unknown> = {}) {
  return {
    candidates: candidates.map((c, index) => ({ index, ...c })),
    usageMetadata: usage(),
    modelVersion: 'gemini-2.5-flash',
    responseId: 'fakeResponseId01',
    ...extra,
  };
}

export function textCandidate(text: string, finishReason = 'STOP'): Candidate {
  return { content: { role: 'model', parts: [{ text }] }, finishReason };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  jsonAnswer(res, status, body, headers, 'application/json; charset=UTF-8');
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Google's error body with its status, e.g. (503, 'The model is overloaded. Please try again later.'). */
export function googleError(res: ServerResponse, code: number, message: string, details?: unknown[]): void {
  json(res, code, { error: { code, message, status: STATUS_NAMES[code] ?? 'UNKNOWN', ...(details ? { details } : {}) } });
}

export function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
}

/** One event of streamGenerateContent?alt=sse, framed as Google frames it. */
export function writeData(res: ServerResponse, body: unknown): void {
  res.write(`data: ${JSON.stringify(body)}\r\n\r\n`);
}

/**
 * Streams a text answer as Gemini does: the text in pieces, each event a whole response with
 * usageMetadata, the last piece carrying the finishReason and the final counts.
 */
export function streamText(res: ServerResponse, pieces: string[], finishReason = 'STOP'): void {
  startSse(res);
  pieces.forEach((text, i) => {
    const last = i === pieces.length - 1;
    writeData(res, {
      candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...(last ? { finishReason } : {}) }],
      usageMetadata: last ? usage(11, 5) : { promptTokenCount: 11, totalTokenCount: 11 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'fakeStreamId01',
    });
  });
  res.end();
}

/** A deterministic vector for a text, so tests can check which text went where. */
export function vectorOf(text: string, dims = 4): number[] {
  return Array.from({ length: dims }, (_, i) => Math.round(((text.length + i) / 100) * 1000) / 1000);
}

/** The default: checks the key, then answers chat, streams and embeddings. */
export const geminiBehaviour: Behaviour = (req, res) => {
  if (req.headers['x-goog-api-key'] !== FAKE_GEMINI_KEY) {
    return googleError(res, 400, 'API key not valid. Please pass a valid API key.', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
    ]);
  }
  switch (req.action) {
    case 'generateContent':
      return json(res, 200, response([textCandidate('Hello from Gemini.')]));
    case 'streamGenerateContent':
      if (!req.url.endsWith('?alt=sse')) return googleError(res, 400, 'this fake streams only with alt=sse');
      return streamText(res, ['Hello', ' from', ' Gemini.']);
    case 'embedContent':
      return json(res, 200, { embedding: { values: vectorOf(req.body.content.parts[0].text, req.body.outputDimensionality) } });
    case 'batchEmbedContents':
      return json(res, 200, {
        embeddings: req.body.requests.map((r: any) => ({ values: vectorOf(r.content.parts[0].text, r.outputDimensionality) })),
      });
    default:
      return googleError(res, 404, `Method ${req.action} not found`);
  }
};

export async function startFakeGemini(behave: Behaviour = geminiBehaviour): Promise<FakeGemini> {
  const server = await startFakeServer<Received>({
    behave,
    badJson: (res) => googleError(res, 400, 'Invalid JSON payload received.'),
    accept: (req, res) => {
      const m = /^\/v1beta\/models\/([^/:?]+):(\w+)(\?.*)?$/.exec(req.url);
      if (req.method !== 'POST' || !m) {
        googleError(res, 404, `Not found: ${req.method} ${req.url}`);
        return undefined;
      }
      return { ...req, model: decodeURIComponent(m[1]), action: m[2] };
    },
  });
  return Object.defineProperties({ url: server.origin, received: server.received, close: server.close } as FakeGemini, {
    behave: { get: () => server.behave, set: (b: Behaviour) => (server.behave = b), enumerable: true },
  });
}
