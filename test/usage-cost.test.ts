/** Cost: every request priced and recorded with key, user, route, provider and model; streams metered from the upstream's own usage. */
import { countTokens } from 'gpt-tokenizer';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chunk, completion, json, openAIBehaviour, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { assertSchema } from './helpers/openapi.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

const ADMIN = 'admin-key-for-cost-tests-0123456';
// Prices in USD per 1M tokens, large so every token shows in the cost.
const PRICE = { input: 1000, output: 2000, cached_input: 500 };
const cost = (prompt: number, completionTokens: number, cached = 0) => ((prompt - cached) * PRICE.input + cached * PRICE.cached_input + completionTokens * PRICE.output) / 1e6;
const messages = [{ role: 'user' as const, content: 'hi' }];

let upstream: FakeOpenAI;
let pm: TestPolymath;
let keyA: string;
let keyB: string;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  pm = await startPolymath({
    providers: { up: { type: 'openai-compatible', base_url: upstream.url, default_model: 'gpt-fake' }, free: { type: 'openai-compatible', base_url: upstream.url, default_model: 'local-model' } },
    routes: { default: { targets: [{ provider: 'up' }] } },
    pricing: { 'up/*': PRICE },
    auth: { admin_key: ADMIN },
  });
  keyA = (await pm.runtime.keys.create({ name: 'app-a' })).secret;
  keyB = (await pm.runtime.keys.create({ name: 'app-b' })).secret;
});
beforeEach(() => {
  upstream.behave = openAIBehaviour;
});
afterAll(async () => {
  await pm?.close();
  await upstream?.close();
});

const client = (key: string) => new OpenAI({ baseURL: `${pm.url}/v1`, apiKey: key, maxRetries: 0, timeout: 20_000 });

async function post(path: string, key: string, body: unknown) {
  const res = await request(`${pm.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, trailers: res.trailers, text };
}

async function usage(key: string, query: string) {
  const res = await request(`${pm.url}/v1/usage?${query}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.statusCode, body: (await res.body.json()) as { data: Array<Record<string, unknown>>; error?: Record<string, unknown> } };
}

describe('cost of a request', () => {
  it('returns x-polymath-cost-usd on a completion, at the configured price', async () => {
    const res = await client(keyA).chat.completions.create({ model: 'default', messages }).withResponse();
    expect(Number(res.response.headers.get('x-polymath-cost-usd'))).toBeCloseTo(cost(9, 3), 12);
  });

  it('prices cached input tokens at the cached price', async () => {
    upstream.behave = (req, res) => json(res, 200, { ...completion(req.body.model as string, 'ok'), usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12, prompt_tokens_details: { cached_tokens: 4 } } });
    const res = await post('/v1/chat/completions', keyA, { model: 'default', messages });
    expect(Number(res.headers['x-polymath-cost-usd'])).toBeCloseTo(cost(9, 3, 4), 12);
  });

  it('prices a provider that has no price (a local model) at 0', async () => {
    const res = await post('/v1/chat/completions', keyA, { model: 'free/local-model', messages });
    expect(res.status).toBe(200);
    expect(res.headers['x-polymath-cost-usd']).toBe('0');
  });

  it('prices embeddings by their input tokens', async () => {
    const res = await post('/v1/embeddings', keyA, { model: 'default', input: 'photosynthesis' });
    expect(Number(res.headers['x-polymath-cost-usd'])).toBeCloseTo(cost(4, 0), 12);
  });
});

describe('cost of a stream', () => {
  it('asks the upstream for usage, hides it from a client that did not ask, and costs what the upstream reported', async () => {
    const res = await post('/v1/chat/completions', keyA, { model: 'default', messages, stream: true, user: 'stream-user-1' });
    expect(upstream.received.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    // No usage chunk and no `"usage":null` field reach this client.
    expect(res.text).not.toContain('usage');
    const events = res.text.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    for (const e of events.slice(0, -1)) assertSchema('CreateChatCompletionStreamResponse', JSON.parse(e.slice(6)));
    expect(Number(res.trailers['x-polymath-cost-usd'])).toBeCloseTo(cost(9, 2), 12);
    const byUser = await usage(ADMIN, 'group_by=user');
    expect(byUser.body.data.find((r) => r.group === 'stream-user-1')).toMatchObject({ requests: 1, prompt_tokens: 9, completion_tokens: 2 });
    expect(byUser.body.data.find((r) => r.group === 'stream-user-1')!.cost_usd).toBeCloseTo(cost(9, 2), 9);
  });

  it('passes the usage chunk on to a client that asked for it', async () => {
    const stream = await client(keyA).chat.completions.create({ model: 'default', messages, stream: true, stream_options: { include_usage: true } });
    let last;
    for await (const c of stream) last = c;
    expect(last!.usage).toEqual({ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 });
  });

  it('counts tokens with a tokenizer when the upstream reports no usage', async () => {
    upstream.behave = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const e of [chunk('m', { role: 'assistant', content: '' }), chunk('m', { content: 'Photosynthesis makes sugar' }), chunk('m', {}, 'stop')]) res.write(`data: ${JSON.stringify(e)}\n\n`);
      res.end('data: [DONE]\n\n');
    };
    const res = await post('/v1/chat/completions', keyA, { model: 'default', messages, stream: true, user: 'no-usage-user' });
    const prompt = 3 + 3 + countTokens('hi');
    const out = countTokens('Photosynthesis makes sugar');
    expect(Number(res.trailers['x-polymath-cost-usd'])).toBeCloseTo(cost(prompt, out), 12);
    const row = (await usage(ADMIN, 'group_by=user')).body.data.find((r) => r.group === 'no-usage-user');
    expect(row).toMatchObject({ prompt_tokens: prompt, completion_tokens: out });
  });
});

describe('GET /v1/usage', () => {
  it('groups by key for the admin, and shows a key only its own requests', async () => {
    await post('/v1/chat/completions', keyB, { model: 'default', messages });
    await post('/v1/chat/completions', keyB, { model: 'nope', messages });
    const all = await usage(ADMIN, 'group_by=key');
    expect(all.status).toBe(200);
    const ids = (await pm.runtime.keys.list()).reduce<Record<string, string>>((m, k) => ({ ...m, [k.name]: k.id }), {});
    const b = all.body.data.find((r) => r.group === ids['app-b'])!;
    expect(b).toMatchObject({ requests: 2, errors: 1, prompt_tokens: 9, completion_tokens: 3, cache_hits: 0 });
    expect(b.cost_usd).toBeCloseTo(cost(9, 3), 9);
    expect(typeof b.p50_ms).toBe('number');
    expect(b.p95_ms as number).toBeGreaterThanOrEqual(b.p50_ms as number);
    expect(all.body.data.find((r) => r.group === ids['app-a'])).toBeDefined();

    const own = await usage(keyB, 'group_by=key');
    expect(own.body.data).toHaveLength(1);
    expect(own.body.data[0].group).toBe(ids['app-b']);
  });

  it('groups by model, provider, route and day within from and to', async () => {
    const byModel = await usage(ADMIN, 'group_by=model');
    expect(byModel.body.data.map((r) => r.group)).toEqual(expect.arrayContaining(['gpt-fake', 'local-model']));
    const byDay = await usage(ADMIN, `group_by=day&from=${new Date().toISOString().slice(0, 10)}`);
    expect(byDay.body.data).toHaveLength(1);
    expect(byDay.body.data[0].group).toBe(new Date().toISOString().slice(0, 10));
    const before = await usage(ADMIN, 'group_by=provider&from=0&to=1000');
    expect(before.body.data).toEqual([]);
  });

  it('answers a bad query with a 400 naming the parameter', async () => {
    const bad = await usage(ADMIN, 'group_by=planet');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ param: 'group_by', type: 'invalid_request_error' });
    expect((await usage(ADMIN, 'group_by=day&from=yesterday')).body.error).toMatchObject({ param: 'from' });
  });
});

describe('cost of learning content', () => {
  it('records a content request with its kind, user and key (the offline library reports no tokens: $0)', async () => {
    const lib = await startPolymath({ providers: { library: { type: 'library' } }, routes: { default: { targets: [{ provider: 'library' }] } }, pricing: { 'library/*': { input: 100, output: 100 } }, auth: { admin_key: ADMIN } });
    try {
      const { key, secret } = await lib.runtime.keys.create({ name: 'content-app' });
      const res = await request(`${lib.url}/v1/content/quiz`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body: JSON.stringify({ topic: 'volcano', persona: { grade: 5 }, user: 'learner-9' }) });
      const body = (await res.body.json()) as { kind: string; usage: { prompt_tokens: number; completion_tokens: number } };
      expect(res.statusCode).toBe(200);
      expect(body.kind).toBe('quiz');
      const expected = ((body.usage.prompt_tokens + body.usage.completion_tokens) * 100) / 1e6;
      expect(Number(res.headers['x-polymath-cost-usd'])).toBeCloseTo(expected, 12);
      const usageRes = await request(`${lib.url}/v1/usage?group_by=kind`, { headers: { authorization: `Bearer ${secret}` } });
      const rows = ((await usageRes.body.json()) as { data: Array<Record<string, unknown>> }).data;
      expect(rows).toEqual([expect.objectContaining({ group: 'quiz', requests: 1 })]);
      await lib.runtime.requestLog.flush();
      const rec = await lib.runtime.store.db.selectFrom('requests').selectAll().where('key_id', '=', key.id).executeTakeFirstOrThrow();
      expect(rec).toMatchObject({ endpoint: 'content', kind: 'quiz', user_id: 'learner-9', provider: 'library' });
      expect(rec.cost_usd).toBeCloseTo(expected, 12);
    } finally {
      await lib.close();
    }
  }, 60_000);
});
