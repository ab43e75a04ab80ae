import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertSchema } from './helpers/openapi.js';
import { chunk, openAIBehaviour, openAIError, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

let upstream: FakeOpenAI;
let backup: FakeOpenAI;
let pm: TestPolymath;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  backup = await startFakeOpenAI();
  pm = await startPolymath({
    providers: {
      up: { type: 'openai-compatible', base_url: upstream.url, api_key: 'sk-upstream-secret', default_model: 'gpt-fake', headers: { 'x-extra': 'yes' } },
      backup: { type: 'openai-compatible', base_url: backup.url, default_model: 'gpt-backup' },
    },
    routes: { default: { targets: [{ provider: 'up' }] }, chain: { targets: [{ provider: 'up', model: 'first' }, { provider: 'backup' }] } },
  });
});
beforeEach(() => {
  upstream.behave = openAIBehaviour;
  upstream.received.length = 0;
  backup.received.length = 0;
});
afterAll(async () => {
  await pm?.close();
  await upstream?.close();
  await backup?.close();
});

const messages = [{ role: 'user' as const, content: 'hi' }];

describe('POST /v1/chat/completions', () => {
  it('answers a non-streaming completion in OpenAI shape through the openai client', async () => {
    const res = await pm.client.chat.completions.create({ model: 'default', messages });
    expect(res.choices[0].message.content).toBe('Hello from the fake.');
    expect(res.usage?.total_tokens).toBe(12);
    assertSchema('CreateChatCompletionResponse', res);
  });

  it('passes the upstream body through byte for byte', async () => {
    const upstreamText = '{"id":"chatcmpl-x",  "object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"é ✓"},"logprobs":null,"finish_reason":"stop"}],"custom_field":{"kept":true}}';
    upstream.behave = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(upstreamText);
    };
    const res = await request(`${pm.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'default', messages }) });
    expect(await res.body.text()).toBe(upstreamText);
  });

  it('forwards every request field untouched, replacing only the model', async () => {
    const body = {
      model: 'up/gpt-4o-mini',
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
      tool_choice: 'auto',
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' }, strict: true } },
      n: 2,
      logprobs: true,
      top_logprobs: 3,
      seed: 42,
      temperature: 0.2,
      user: 'learner-7',
      some_future_field: { nested: [1, 2, 3] },
    };
    await request(`${pm.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.body.dump());
    const sent = upstream.received.at(-1)!;
    expect(sent.url).toBe('/v1/chat/completions');
    expect(sent.body).toEqual({ ...body, model: 'gpt-4o-mini' });
    expect(sent.headers.authorization).toBe('Bearer sk-upstream-secret');
    expect(sent.headers['x-extra']).toBe('yes');
  });

  it('sets x-request-id, x-polymath-provider and x-polymath-model, keeping a caller request id', async () => {
    const res = await request(`${pm.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-123' },
      body: JSON.stringify({ model: 'default', messages }),
    });
    await res.body.dump();
    expect(res.headers['x-request-id']).toBe('trace-123');
    expect(res.headers['x-polymath-provider']).toBe('up');
    expect(res.headers['x-polymath-model']).toBe('gpt-fake');
    expect(res.headers['x-polymath-route']).toBe('default');
    expect(upstream.received.at(-1)!.headers['x-request-id']).toBe('trace-123');
  });

  it('streams chunks as SSE and ends with [DONE]', async () => {
    const stream = await pm.client.chat.completions.create({ model: 'default', messages, stream: true });
    let text = '';
    for await (const c of stream) {
      assertSchema('CreateChatCompletionStreamResponse', c);
      text += c.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe('Hello there');
  });

  it('passes stream chunks through unchanged and frames them as OpenAI does', async () => {
    const res = await request(`${pm.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'default', messages, stream: true }) });
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['x-polymath-provider']).toBe('up');
    const text = await res.body.text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(JSON.parse(events[1].slice(6))).toEqual(chunk('gpt-fake', { content: 'Hello' }));
    expect(events[1]).toBe(`data: ${JSON.stringify(chunk('gpt-fake', { content: 'Hello' }))}`);
  });

  it('honours stream_options.include_usage', async () => {
    const stream = await pm.client.chat.completions.create({ model: 'default', messages, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(upstream.received.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 });
    expect(chunks.at(-1)!.choices).toEqual([]);
  });

  it('without include_usage the stream carries no usage chunk (the upstream is still asked for usage, to meter it)', async () => {
    const stream = await pm.client.chat.completions.create({ model: 'default', messages, stream: true });
    for await (const c of stream) expect(c.usage ?? undefined).toBeUndefined();
    expect(upstream.received.at(-1)!.body.stream_options).toEqual({ include_usage: true });
  });
});

describe('routes', () => {
  it('tries the next target when one fails before anything reached the client', async () => {
    upstream.behave = (_req, res) => openAIError(res, 500, 'boom', 'server_error');
    const res = await pm.client.chat.completions.create({ model: 'chain', messages }).withResponse();
    expect(res.data.choices[0].message.content).toBe('Hello from the fake.');
    expect(res.response.headers.get('x-polymath-provider')).toBe('backup');
    expect(res.response.headers.get('x-polymath-attempts')).toBe('2');
    expect(upstream.received.at(-1)!.body.model).toBe('first');
    expect(backup.received.at(-1)!.body.model).toBe('gpt-backup');
  });

  it('falls through for a stream that fails before its first chunk', async () => {
    upstream.behave = (_req, res) => openAIError(res, 503, 'overloaded', 'server_error');
    const stream = await pm.client.chat.completions.create({ model: 'chain', messages, stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Hello there');
    expect(backup.received).toHaveLength(1);
  });

  it('does not fall through on a 400: the request itself is wrong', async () => {
    upstream.behave = (_req, res) => openAIError(res, 400, 'bad param');
    const err = await pm.client.chat.completions.create({ model: 'chain', messages }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502 });
    expect(backup.received).toHaveLength(0);
  });

  it('goes straight to a provider for "<provider>/<model>"', async () => {
    const res = await pm.client.chat.completions.create({ model: 'backup/some-model', messages }).withResponse();
    expect(res.response.headers.get('x-polymath-route')).toBeNull();
    expect(backup.received.at(-1)!.body.model).toBe('some-model');
  });
});
