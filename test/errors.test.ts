import { request } from 'undici';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSchema } from './helpers/openapi.js';
import { completion, json, openAIBehaviour, openAIError, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

let upstream: FakeOpenAI;
let pm: TestPolymath;
let empty: TestPolymath;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  pm = await startPolymath({
    server: { body_limit_bytes: 64 * 1024 },
    providers: { up: { type: 'openai-compatible', base_url: upstream.url, default_model: 'gpt-fake', timeout_ms: 1_000 } },
    routes: { default: { targets: [{ provider: 'up' }] } },
  });
  empty = await startPolymath({ providers: {}, routes: {} });
});
afterAll(async () => {
  await pm?.close();
  await empty?.close();
  await upstream?.close();
});

const chatBody = { model: 'default', messages: [{ role: 'user', content: 'hi' }] };

async function post(base: string, path: string, body: string | object, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await request(`${base}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, body: JSON.parse(text) };
}

function expectError(r: { status: number; body: any }, status: number, messagePart: RegExp | string) {
  expect(r.status).toBe(status);
  assertSchema('ErrorResponse', r.body);
  expect(r.body.error.message).toMatch(messagePart);
}

describe('errors are OpenAI error JSON with the right status', () => {
  it('malformed JSON is a 400 that says so', async () => {
    expectError(await post(pm.url, '/v1/chat/completions', '{"model": "default", "messages": ['), 400, /not valid JSON/);
  });

  it('an empty JSON body is a 400', async () => {
    expectError(await post(pm.url, '/v1/chat/completions', ''), 400, /JSON|body/i);
  });

  it('a missing or wrong field is a 400 naming the field', async () => {
    const r = await post(pm.url, '/v1/chat/completions', { model: 'default', messages: [] });
    expectError(r, 400, /messages/);
    expect(r.body.error.param).toBe('messages');
    const t = await post(pm.url, '/v1/chat/completions', { ...chatBody, temperature: 7 });
    expectError(t, 400, /temperature/);
    const m = await post(pm.url, '/v1/chat/completions', { messages: chatBody.messages });
    expectError(m, 400, /model/);
  });

  it('a body that is not an object is a 400', async () => {
    expectError(await post(pm.url, '/v1/chat/completions', '[1,2]'), 400, /JSON object/);
  });

  it('a non-JSON content type is a 415', async () => {
    expectError(await post(pm.url, '/v1/chat/completions', 'hello', { 'content-type': 'text/plain' }), 415, /application\/json/);
  });

  it('an unknown model or route is a 404 with code model_not_found', async () => {
    const r = await post(pm.url, '/v1/chat/completions', { ...chatBody, model: 'nope' });
    expectError(r, 404, /nope/);
    expect(r.body.error.code).toBe('model_not_found');
    expectError(await post(pm.url, '/v1/chat/completions', { ...chatBody, model: 'ghost/gpt-4o' }), 404, /ghost/);
  });

  it('a body over the limit is a 413', async () => {
    const big = { ...chatBody, messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] };
    expectError(await post(pm.url, '/v1/chat/completions', big), 413, /larger/);
  });

  it('no provider configured is a 503 that says how to configure one', async () => {
    const r = await post(empty.url, '/v1/chat/completions', chatBody);
    expectError(r, 503, /OPENAI_API_KEY.*polymath\.yaml/s);
  });

  it('an unknown path is a 404 and a bad URL a 400, both as JSON', async () => {
    const res = await request(`${pm.url}/v1/nothing-here`);
    expect(res.statusCode).toBe(404);
    assertSchema('ErrorResponse', await res.body.json());
    const bad = await request(`${pm.url}/v1/models/%E0%A4%A`);
    expect([400, 404]).toContain(bad.statusCode);
    assertSchema('ErrorResponse', await bad.body.json());
  });

  it('oversized headers get a 431 with an error JSON body', async () => {
    const port = new URL(pm.url).port;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`);
      });
      let out = '';
      socket.on('data', (d) => (out += d.toString()));
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 431/);
    assertSchema('ErrorResponse', JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)));
  });
});

describe('upstream failures', () => {
  it('an upstream 4xx or 5xx is a 502 carrying its status and message', async () => {
    upstream.behave = (_req, res) => openAIError(res, 400, "Invalid value for 'logprobs'.");
    const r = await post(pm.url, '/v1/chat/completions', chatBody);
    expectError(r, 502, /HTTP 400: Invalid value for 'logprobs'\./);
    expect(r.body.error.code).toBe('upstream_400');

    upstream.behave = (_req, res) => openAIError(res, 500, 'The server had an error while processing your request.', 'server_error');
    expectError(await post(pm.url, '/v1/chat/completions', chatBody), 502, /HTTP 500: The server had an error/);
    upstream.behave = openAIBehaviour;
  });

  it('an upstream that does not answer in time is a 504', async () => {
    upstream.behave = () => {}; // never answers
    const r = await post(pm.url, '/v1/chat/completions', chatBody);
    expectError(r, 504, /did not answer in time/);
    upstream.behave = openAIBehaviour;
  });

  it('malformed upstream JSON is a 502', async () => {
    upstream.behave = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "chatcmpl-1", "choices": [');
    };
    expectError(await post(pm.url, '/v1/chat/completions', chatBody), 502, /malformed JSON/);
    upstream.behave = (_req, res) => json(res, 200, { hello: 'world' });
    expectError(await post(pm.url, '/v1/chat/completions', chatBody), 502, /without "choices"/);
    upstream.behave = openAIBehaviour;
  });

  it('an unreachable upstream is a 502', async () => {
    const down = await startPolymath({
      providers: { up: { type: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1', default_model: 'm' } },
    });
    try {
      expectError(await post(down.url, '/v1/chat/completions', { ...chatBody, model: 'up' }), 502, /unreachable|connection/);
    } finally {
      await down.close();
    }
  });

  it('the openai client sees these as its own APIError with the status', async () => {
    upstream.behave = (_req, res) => openAIError(res, 503, 'overloaded', 'server_error');
    const err = await pm.client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502 });
    expect((err as Error).message).toMatch(/HTTP 503: overloaded/);
    upstream.behave = (req, res) => json(res, 200, completion(req.body.model, 'ok'));
  });
});

describe('the in-flight limit', () => {
  it('answers 503 queue_full with Retry-After past server.max_in_flight, and serves again once a request finishes', async () => {
    const slow = await startFakeOpenAI();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    slow.behave = async (req, res) => {
      await held;
      return openAIBehaviour(req, res);
    };
    const one = await startPolymath({ server: { max_in_flight: 1 }, providers: { up: { type: 'openai-compatible', base_url: slow.url, default_model: 'gpt-fake' } } });
    try {
      const first = post(one.url, '/v1/chat/completions', { ...chatBody, model: 'up' });
      while (slow.received.length === 0) await new Promise((r) => setTimeout(r, 5));
      const refused = await post(one.url, '/v1/chat/completions', { ...chatBody, model: 'up' });
      expectError(refused, 503, /limit of requests in flight/);
      expect(refused.body.error.code).toBe('queue_full');
      expect(refused.headers['retry-after']).toBe('1');
      release();
      expect((await first).status).toBe(200);
      expect((await post(one.url, '/v1/chat/completions', { ...chatBody, model: 'up' })).status).toBe(200);
    } finally {
      release();
      await one.close();
      await slow.close();
    }
  });
});
