/**
 * Fault injection: OpenAI-format upstreams that fail the way real ones do. Each fault is a
 * Behaviour for the fake OpenAI server (test/helpers/fake-openai.ts), so one upstream can switch
 * faults between requests (`up.behave = fault('500')`).
 */
import type { ServerResponse } from 'node:http';
import { chunk, completion, json, openAIBehaviour, openAIError, startFakeOpenAI, type Behaviour, type FakeOpenAI, type Received } from './fake-openai.js';

export type Fault =
  | 'ok'
  | '500'
  | '429'
  | 'hang'
  | 'slow'
  | 'cut-after-first-chunk'
  | 'cut-before-first-chunk'
  | 'malformed-json'
  | 'malformed-sse'
  | 'close-mid-body'
  | 'no-finish-reason'
  | '400';

export interface FaultOptions {
  /** for `slow`: how long before answering (default 300 ms) */
  delayMs?: number;
  /** for `429`: the Retry-After header, in seconds */
  retryAfter?: string;
  /** the text a good answer carries (to tell upstreams apart) */
  text?: string;
}

export const SSE = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

/** A good answer (JSON or SSE) whose text names the upstream. */
export function answer(text: string): Behaviour {
  return (req, res) => {
    if (!req.url.endsWith('/chat/completions')) return openAIBehaviour(req, res);
    const model = req.body.model as string;
    if (!req.body.stream) return json(res, 200, completion(model, text));
    res.writeHead(200, SSE);
    res.write(`data: ${JSON.stringify(chunk(model, { role: 'assistant', content: '' }))}\n\n`);
    for (const word of text.split(/(?= )/)) res.write(`data: ${JSON.stringify(chunk(model, { content: word }))}\n\n`);
    res.write(`data: ${JSON.stringify(chunk(model, {}, 'stop'))}\n\n`);
    res.end('data: [DONE]\n\n');
  };
}

export function fault(kind: Fault, opts: FaultOptions = {}): Behaviour {
  const good = answer(opts.text ?? 'ok');
  const chat = (b: Behaviour): Behaviour => (req, res) => (req.url.endsWith('/chat/completions') ? b(req, res) : openAIBehaviour(req, res));
  switch (kind) {
    case 'ok':
      return good;
    case '500':
      return chat((_req, res) => openAIError(res, 500, 'The server had an error while processing your request.', 'server_error'));
    case '400':
      return chat((_req, res) => openAIError(res, 400, "Invalid value for 'temperature'.", 'invalid_request_error'));
    case '429':
      return chat((_req, res) => openAIError(res, 429, 'Rate limit reached for requests', 'requests', 'rate_limit_exceeded', { 'retry-after': opts.retryAfter ?? '1' }));
    case 'hang':
      return chat(() => new Promise<void>(() => {}));
    case 'slow':
      return chat(async (req, res) => {
        await new Promise((r) => setTimeout(r, opts.delayMs ?? 300));
        if (!res.destroyed) good(req, res);
      });
    case 'cut-after-first-chunk':
      return chat((req, res) => {
        res.writeHead(200, SSE);
        res.write(`data: ${JSON.stringify(chunk(req.body.model, { role: 'assistant', content: 'Hel' }))}\n\n`, () => setTimeout(() => res.destroy(), 20));
      });
    case 'cut-before-first-chunk':
      return chat((_req, res) => {
        res.writeHead(200, SSE);
        res.flushHeaders();
        setTimeout(() => res.destroy(), 20);
      });
    case 'malformed-json':
      return chat((req, res) => {
        if (!req.body.stream) {
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end('{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,');
        }
        res.writeHead(200, SSE);
        res.end('data: {"id":"chatcmpl-1","choices":[{"delta":{"content":"Hi"\n\ndata: [DONE]\n\n');
      });
    case 'malformed-sse':
      return chat((req, res) => {
        if (!req.body.stream) {
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end('<html><body>502 Bad Gateway</body></html>');
        }
        res.writeHead(200, SSE);
        res.end('<html><body>502 Bad Gateway</body></html>\n');
      });
    case 'close-mid-body':
      return chat((req, res) => closeMidBody(req, res));
    case 'no-finish-reason':
      return chat((req, res) => {
        res.writeHead(200, SSE);
        res.write(`data: ${JSON.stringify(chunk(req.body.model, { role: 'assistant', content: 'Hello' }))}\n\n`);
        res.write(`data: ${JSON.stringify(chunk(req.body.model, { content: ' wor' }))}\n\n`);
        res.end('data: [DONE]\n\n');
      });
  }
}

/** Promises a whole body (Content-Length), sends half of it, and drops the connection. */
function closeMidBody(req: Received, res: ServerResponse): void {
  const body = JSON.stringify(completion(req.body.model, 'this answer never arrives whole'));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.write(body.slice(0, body.length >> 1), () => setTimeout(() => res.destroy(), 20));
}

/** A fake upstream with one fault; `calls()` counts the chat calls it received. */
export interface FaultyUpstream extends FakeOpenAI {
  calls(): number;
  set(kind: Fault, opts?: FaultOptions): void;
}

export async function startFaulty(kind: Fault, opts: FaultOptions = {}): Promise<FaultyUpstream> {
  const fake = await startFakeOpenAI(fault(kind, opts));
  return Object.assign(fake, {
    calls: () => fake.received.filter((r) => r.url.endsWith('/chat/completions')).length,
    set: (k: Fault, o: FaultOptions = {}) => {
      fake.behave = fault(k, o);
    },
  });
}

/** A provider config entry for an upstream. */
export function providerOf(up: FakeOpenAI, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'openai-compatible', base_url: up.url, api_key: 'sk-test', default_model: 'gpt-fake', ...extra };
}
