import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APIUserAbortError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { assertSchema } from './helpers/openapi.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

/** What the user's generator received. */
interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: any; // wire boundary: the JSON Polymath sent
}

const seen: Seen[] = [];
/** paths whose request the client abandoned before an answer */
const abandoned: string[] = [];

/** A user's non-OpenAI generator: each path behaves one way. */
const ROUTES: Record<string, (body: any, res: ServerResponse, req: IncomingMessage) => void> = {
  '/generate': (body, res) => json(res, 200, { content: `lesson about ${body.input}` }),
  '/full': (body, res) =>
    json(res, 200, {
      id: 'chatcmpl-svc',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'svc-model',
      choices: [{ index: 0, message: { role: 'assistant', content: `full: ${body.input}` }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    }),
  '/overloaded': (_b, res) => json(res, 500, { error: { message: 'model overloaded, try later' } }),
  '/badrequest': (_b, res) => json(res, 400, { detail: 'nope' }),
  '/slow': (_b, res, req) => {
    const timer = setTimeout(() => json(res, 200, { content: 'too late' }), 10_000);
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.writableEnded) abandoned.push(req.url ?? '');
    });
  },
  '/big': (_b, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ content: 'z'.repeat(300 * 1024) }));
  },
  '/text': (_b, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('Here is a lesson!');
  },
  '/declines': (_b, res) => json(res, 200, { error: 'topic not supported' }),
};

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

let server: Server;
let base: string;
let closedPort: number;
let pm: TestPolymath;

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      const body = JSON.parse(text);
      seen.push({ path, headers: req.headers, body });
      ROUTES[path](body, res, req);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // a port nobody listens on: bind one, note it, close it
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));

  pm = await startPolymath({
    providers: {
      svc: { type: 'http', url: `${base}/generate`, api_key: 'svc-secret-key', headers: { 'x-tenant': 'school-42' } },
      full: { type: 'http', url: `${base}/full` },
      overloaded: { type: 'http', url: `${base}/overloaded` },
      picky: { type: 'http', url: `${base}/badrequest` },
      slow: { type: 'http', url: `${base}/slow`, timeout_ms: 300 },
      patient: { type: 'http', url: `${base}/slow`, timeout_ms: 20_000 },
      big: { type: 'http', url: `${base}/big`, max_output_bytes: 100 * 1024 },
      text: { type: 'http', url: `${base}/text` },
      declines: { type: 'http', url: `${base}/declines` },
      down: { type: 'http', url: `http://127.0.0.1:${closedPort}/generate` },
    },
    routes: { fb: { targets: [{ provider: 'down' }, { provider: 'overloaded' }, { provider: 'svc' }] } },
  });
});

afterAll(async () => {
  await pm?.close();
  await new Promise((r) => server?.close(r));
});

async function post(model: string, content: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${pm.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });
  const body = await res.json();
  if (res.status !== 200) assertSchema('ErrorResponse', body);
  return { status: res.status, body };
}

describe('http provider', () => {
  it('POSTs {id, model, input, messages, params, intent} with its headers and answers {content} as a chat.completion', async () => {
    const res = await pm.client.chat.completions.create({
      model: 'svc/default',
      max_tokens: 50,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'volcanoes' },
      ],
    });
    assertSchema('CreateChatCompletionResponse', res);
    expect(res.choices[0].message.content).toBe('lesson about volcanoes');
    expect(res.model).toBe('default');
    expect(res.usage!.completion_tokens).toBe(Math.ceil('lesson about volcanoes'.length / 4));

    const got = seen.filter((s) => s.path === '/generate').at(-1)!;
    expect(got.headers.authorization).toBe('Bearer svc-secret-key');
    expect(got.headers['x-tenant']).toBe('school-42');
    expect(got.headers['content-type']).toBe('application/json');
    expect(Object.keys(got.body).sort()).toEqual(['id', 'input', 'intent', 'messages', 'model', 'params']);
    expect(got.body.input).toBe('volcanoes');
    expect(got.body.model).toBe('default');
    expect(got.body.messages).toHaveLength(4);
    expect(got.body.params).toEqual({ max_tokens: 50 });
    expect(got.body.intent).toBeNull();
    expect(got.body.id).toBe(got.headers['x-request-id']);
  });

  it('keeps a full OpenAI chat.completion the endpoint answered', async () => {
    const res = await pm.client.chat.completions.create({ model: 'full/default', messages: [{ role: 'user', content: 'ping' }] });
    assertSchema('CreateChatCompletionResponse', res);
    expect(res.choices[0].message.content).toBe('full: ping');
    expect(res.usage).toEqual({ prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 });
  });

  it('streams the answer as OpenAI chunks', async () => {
    const stream = await pm.client.chat.completions.create({ model: 'svc/default', messages: [{ role: 'user', content: 'rivers' }], stream: true });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      assertSchema('CreateChatCompletionStreamResponse', chunk);
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('lesson about rivers');
    expect(finish).toBe('stop');
  });

  it('answers 502 quoting the upstream error message of a 5xx', async () => {
    const { status, body } = await post('overloaded/default', 'x');
    expect(status).toBe(502);
    expect(body.error.message).toBe('overloaded returned HTTP 500: model overloaded, try later');
    expect(body.error.code).toBe('upstream_500');
  });

  it('answers 502 for a 4xx with whatever body it had', async () => {
    const { status, body } = await post('picky/default', 'x');
    expect(status).toBe(502);
    expect(body.error.message).toBe('picky returned HTTP 400: {"detail":"nope"}');
  });

  it('answers 504 past timeout_ms and closes the connection', async () => {
    const before = abandoned.length;
    const { status, body } = await post('slow/default', 'x');
    expect(status).toBe(504);
    expect(body.error.code).toBe('upstream_timeout');
    await expect.poll(() => abandoned.length).toBe(before + 1);
  });

  it('abandons the upstream call when the client goes away', async () => {
    const before = abandoned.length;
    const slowSeen = seen.filter((s) => s.path === '/slow').length;
    const controller = new AbortController();
    const call = pm.client.chat.completions
      .create({ model: 'patient/default', messages: [{ role: 'user', content: 'x' }] }, { signal: controller.signal })
      .catch((err: Error) => err);
    await expect.poll(() => seen.filter((s) => s.path === '/slow').length).toBe(slowSeen + 1);
    controller.abort();
    expect(await call).toBeInstanceOf(APIUserAbortError);
    await expect.poll(() => abandoned.length).toBe(before + 1);
  });

  it('answers 502 upstream_invalid past max_output_bytes', async () => {
    const { status, body } = await post('big/default', 'x');
    expect(status).toBe(502);
    expect(body.error.code).toBe('upstream_invalid');
    expect(body.error.message).toBe('big sent a body larger than 102400 bytes');
  });

  it('answers 502 upstream_invalid when the body is not JSON', async () => {
    const { status, body } = await post('text/default', 'x');
    expect(status).toBe(502);
    expect(body.error.message).toBe('text did not answer with JSON: Here is a lesson!');
  });

  it('answers 502 with the reason when the generator declines with {error}', async () => {
    const { status, body } = await post('declines/default', 'x');
    expect(status).toBe(502);
    expect(body.error.message).toBe('declines reported an error: topic not supported');
  });

  it('answers 502 upstream_unreachable when nothing listens', async () => {
    const { status, body } = await post('down/default', 'x');
    expect(status).toBe(502);
    expect(body.error.message).toBe('down is unreachable (ECONNREFUSED)');
  });

  it('falls back past an unreachable and a failing endpoint to the next target', async () => {
    const { data, response } = await pm.client.chat.completions.create({ model: 'fb', messages: [{ role: 'user', content: 'tides' }] }).withResponse();
    assertSchema('CreateChatCompletionResponse', data);
    expect(data.choices[0].message.content).toBe('lesson about tides');
    expect(response.headers.get('x-polymath-provider')).toBe('svc');
    expect(response.headers.get('x-polymath-attempts')).toBe('3');
  });
});

describe('http provider config', () => {
  it('explains a url that is not http(s)', () => {
    expect(() => parseConfig({ providers: { svc: { type: 'http', url: 'ftp://example.org/x' } } })).toThrow(/providers\.svc\.url: url must be an http:\/\/ or https:\/\/ URL/);
  });

  it('requires a url', () => {
    expect(() => parseConfig({ providers: { svc: { type: 'http' } } })).toThrow(/providers\.svc\.url:/);
  });
});
