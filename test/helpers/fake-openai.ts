/**
 * A local fake upstream that speaks OpenAI's wire format: JSON completions, SSE streams framed as
 * OpenAI frames them (`data: {...}\n\n`, then `data: [DONE]\n\n`), embeddings, and OpenAI's error
 * bodies. Each test sets `behave` to script the next answers.
 */
import type { ServerResponse } from 'node:http';
import { json, startFakeServer, type Handler, type Received } from './fake-server.js';

export { json, type Received };
export type Behaviour = Handler<Received>;

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

/** OpenAI's error body. */
export function openAIError(res: ServerResponse, status: number, message: string, type = 'invalid_request_error', code: string | null = null, headers: Record<string, string> = {}): void {
  json(res, status, { error: { message, type, param: null, code } }, headers);
}

export async function startFakeOpenAI(behave: Behaviour = openAIBehaviour): Promise<FakeOpenAI> {
  const server = await startFakeServer<Received>({ behave, badJson: (res) => openAIError(res, 400, 'We could not parse the JSON body of your request.') });
  // `behave` is read on each request, so a test may swap it on the returned object.
  return Object.defineProperties({ url: `${server.origin}/v1`, received: server.received, close: server.close } as FakeOpenAI, {
    behave: { get: () => server.behave, set: (b: Behaviour) => (server.behave = b), enumerable: true },
  });
}
