/**
 * A local fake upstream that speaks OpenAI's wire format: JSON completions, SSE streams framed as
 * OpenAI frames them (`data: {...}\n\n`, then `data: [DONE]\n\n`), embeddings, and OpenAI's error
 * bodies. Each test sets `behave` to script the next answers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: any; // wire boundary: whatever JSON the gateway sent
}

export type Behaviour = (req: Received, res: ServerResponse) => void | Promise<void>;

export interface FakeOpenAI {
  url: string;
  received: Received[];
  behave: Behaviour;
  close(): Promise<void>;
}

export function completion(model: string, content: string) {
  return {
    id: 'chatcmpl-fake1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
  };
}

export function chunk(model: string, delta: Record<string, unknown>, finish: string | null = null, usage?: unknown) {
  return {
    id: 'chatcmpl-fake1',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(usage === undefined ? {} : { usage }),
  };
}

/** The default behaviour: answers chat (JSON or SSE), embeddings and models like OpenAI does. */
export const openAIBehaviour: Behaviour = (req, res) => {
  if (req.url.endsWith('/embeddings')) {
    const inputs: unknown[] = Array.isArray(req.body.input) ? req.body.input : [req.body.input];
    return json(res, 200, {
      object: 'list',
      data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.1, -0.2, 0.3] })),
      model: req.body.model,
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
  }
  if (req.url.endsWith('/models')) return json(res, 200, { object: 'list', data: [] });
  const model = req.body.model as string;
  if (!req.body.stream) return json(res, 200, completion(model, 'Hello from the fake.'));
  const includeUsage = req.body.stream_options?.include_usage === true;
  const u = includeUsage ? null : undefined;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const events = [
    chunk(model, { role: 'assistant', content: '', refusal: null }, null, u),
    chunk(model, { content: 'Hello' }, null, u),
    chunk(model, { content: ' there' }, null, u),
    chunk(model, {}, 'stop', u),
  ];
  for (const e of events) res.write(`data: ${JSON.stringify(e)}\n\n`);
  if (includeUsage) {
    res.write(`data: ${JSON.stringify({ ...chunk(model, {}), choices: [], usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } })}\n\n`);
  }
  res.end('data: [DONE]\n\n');
};

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** OpenAI's error body. */
export function openAIError(res: ServerResponse, status: number, message: string, type = 'invalid_request_error', code: string | null = null, headers: Record<string, string> = {}): void {
  json(res, status, { error: { message, type, param: null, code } }, headers);
}

export async function startFakeOpenAI(behave: Behaviour = openAIBehaviour): Promise<FakeOpenAI> {
  const received: Received[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const fake: FakeOpenAI = { url: '', received, behave, close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const p of req) parts.push(p as Buffer);
    const text = Buffer.concat(parts).toString('utf8');
    const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : undefined };
    received.push(r);
    await fake.behave(r, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return fake;
}
