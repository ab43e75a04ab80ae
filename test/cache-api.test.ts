/**
 * The cache through the API, with the official openai client: what is cached (temperature 0, the
 * `x-polymath-cache` header, a route's mode), the `x-polymath-cache: hit|miss|bypass` header, that
 * a hit is OpenAI's shape and calls no upstream, content namespaced by persona with semantic
 * matches, and one cache on Redis shared by two instances.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Kind } from '../src/content/index.js';
import { SAMPLES } from './content-fixtures.js';
import { completion, json, openAIBehaviour, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { assertSchema } from './helpers/openapi.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';
import { REDIS_URL, redisAvailable } from './helpers/services.js';

let upstream: FakeOpenAI;
let pm: TestPolymath;
let calls = 0;

/** Answers chat with a numbered reply (so a second upstream call shows), content kinds with a valid sample. */
function behave(): void {
  upstream.behave = (req, res) => {
    if (req.url.endsWith('/embeddings') || req.body.stream) return openAIBehaviour(req, res);
    calls++;
    const kind = req.body.response_format?.json_schema?.name as Kind | undefined;
    json(res, 200, completion(req.body.model, kind ? JSON.stringify(SAMPLES[kind]) : `answer ${calls}`));
  };
}

function config(extra: Record<string, unknown> = {}) {
  return {
    providers: { up: { type: 'openai-compatible', base_url: upstream.url, api_key: 'sk-test', default_model: 'gpt-fake' } },
    routes: { default: { targets: [{ provider: 'up' }] }, lessons: { targets: [{ provider: 'up' }] } },
    cache: { routes: { lessons: 'always' }, ...extra },
  };
}

async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, body: JSON.parse(text) };
}

const ask = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'default', messages: [{ role: 'user', content }], ...extra });

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  pm = await startPolymath(config());
});
beforeEach(() => {
  behave();
  upstream.received.length = 0;
});
afterAll(async () => {
  await pm?.close();
  await upstream?.close();
});

describe('chat completions', () => {
  it('answers a repeated temperature-0 request from the cache, byte for byte, without calling the upstream', async () => {
    const first = await pm.client.chat.completions.create({ model: 'default', temperature: 0, messages: [{ role: 'user', content: 'What is 2+2?' }] }).withResponse();
    expect(first.response.headers.get('x-polymath-cache')).toBe('miss');
    const second = await pm.client.chat.completions.create({ model: 'default', temperature: 0, messages: [{ role: 'user', content: 'What is 2+2?' }] }).withResponse();
    expect(second.response.headers.get('x-polymath-cache')).toBe('hit');
    expect(second.response.headers.get('x-polymath-provider')).toBe('up');
    expect(second.response.headers.get('x-polymath-cache-match')).toBe('exact');
    assertSchema('CreateChatCompletionResponse', second.data);
    expect(second.data).toEqual(first.data);
    expect(upstream.received).toHaveLength(1);
  });

  it('does not cache a request at a temperature above 0 unless it asks with x-polymath-cache: use', async () => {
    const a = await post(pm.url, '/v1/chat/completions', ask('tell me a joke', { temperature: 0.9 }));
    const b = await post(pm.url, '/v1/chat/completions', ask('tell me a joke', { temperature: 0.9 }));
    expect([a.headers['x-polymath-cache'], b.headers['x-polymath-cache']]).toEqual(['bypass', 'bypass']);
    expect(a.body.choices[0].message.content).not.toBe(b.body.choices[0].message.content);
    const c = await post(pm.url, '/v1/chat/completions', ask('tell me a joke', { temperature: 0.9 }), { 'x-polymath-cache': 'use' });
    const d = await post(pm.url, '/v1/chat/completions', ask('tell me a joke', { temperature: 0.9 }), { 'x-polymath-cache': 'use' });
    expect([c.headers['x-polymath-cache'], d.headers['x-polymath-cache']]).toEqual(['miss', 'hit']);
    expect(d.text).toBe(c.text);
    expect(upstream.received).toHaveLength(3);
  });

  it('caches every request of a route whose mode is always, and bypasses on cache-control: no-cache', async () => {
    const a = await post(pm.url, '/v1/chat/completions', { ...ask('a poem', { temperature: 1 }), model: 'lessons' });
    const b = await post(pm.url, '/v1/chat/completions', { ...ask('a poem', { temperature: 1 }), model: 'lessons' });
    const c = await post(pm.url, '/v1/chat/completions', { ...ask('a poem', { temperature: 1 }), model: 'lessons' }, { 'cache-control': 'no-cache' });
    expect([a.headers['x-polymath-cache'], b.headers['x-polymath-cache'], c.headers['x-polymath-cache']]).toEqual(['miss', 'hit', 'bypass']);
    expect(b.headers['x-polymath-route']).toBe('lessons');
    expect(upstream.received).toHaveLength(2);
  });

  it('keeps routes apart: the same messages to another route are not a hit', async () => {
    await post(pm.url, '/v1/chat/completions', ask('same words', { temperature: 0 }));
    const other = await post(pm.url, '/v1/chat/completions', { ...ask('same words', { temperature: 0 }), model: 'up/gpt-fake' });
    expect(other.headers['x-polymath-cache']).toBe('miss');
    expect(upstream.received).toHaveLength(2);
  });

  it('bypasses the cache for a stream', async () => {
    const res = await request(`${pm.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ask('stream me', { temperature: 0, stream: true })) });
    await res.body.text();
    expect(res.headers['x-polymath-cache']).toBe('bypass');
  });
});

describe('embeddings', () => {
  it('answers the same input from the cache', async () => {
    const a = await pm.client.embeddings.create({ model: 'default', input: 'volcano' }).withResponse();
    const b = await pm.client.embeddings.create({ model: 'default', input: 'volcano' }).withResponse();
    expect(a.response.headers.get('x-polymath-cache')).toBe('miss');
    expect(b.response.headers.get('x-polymath-cache')).toBe('hit');
    assertSchema('CreateEmbeddingResponse', b.data);
    expect(b.data).toEqual(a.data);
    expect(upstream.received).toHaveLength(1);
  });
});

describe('content', () => {
  const lesson = (topic: string, persona: Record<string, unknown>, model = 'default') => ({ topic, persona, model, options: { temperature: 0 } });

  it('serves a lesson again to the same persona, for the same topic and a rephrased one, and never to another persona', async () => {
    const first = await post(pm.url, '/v1/content/lesson', lesson('The water cycle', { grade: 4 }));
    expect(first.status).toBe(200);
    expect(first.headers['x-polymath-cache']).toBe('miss');
    const again = await post(pm.url, '/v1/content/lesson', lesson('the water cycle', { grade: 4 }));
    expect(again.headers['x-polymath-cache']).toBe('hit');
    expect(again.headers['x-polymath-cache-match']).toBe('exact');
    expect(again.body).toEqual(first.body);
    const rephrased = await post(pm.url, '/v1/content/lesson', lesson('Water cycle!', { grade: 4 }));
    expect(rephrased.headers['x-polymath-cache']).toBe('hit');
    expect(rephrased.headers['x-polymath-cache-match']).toBe('semantic');
    expect(upstream.received).toHaveLength(1);
    const older = await post(pm.url, '/v1/content/lesson', lesson('The water cycle', { grade: 10 }));
    expect(older.headers['x-polymath-cache']).toBe('miss');
    const other = await post(pm.url, '/v1/content/lesson', lesson('The carbon cycle', { grade: 4 }));
    expect(other.headers['x-polymath-cache']).toBe('miss');
    expect(upstream.received).toHaveLength(3);
  });

  it('caches a streamed lesson, and answers a later stream with its result as the one event', async () => {
    const body = { topic: 'Photosynthesis', persona: { grade: 8 }, options: { temperature: 0 }, stream: true };
    const stream = async () => {
      const res = await request(`${pm.url}/v1/content/lesson`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.body.text();
      const events = text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => JSON.parse(e.slice(6)));
      return { headers: res.headers, events };
    };
    const first = await stream();
    expect(first.headers['x-polymath-cache']).toBe('miss');
    expect(first.events.at(-1).type).toBe('result');
    const calls = upstream.received.length;
    const second = await stream();
    expect(second.headers['x-polymath-cache']).toBe('hit');
    expect(second.headers['content-type']).toContain('text/event-stream');
    expect(second.events).toEqual([first.events.at(-1)]);
    const plain = await post(pm.url, '/v1/content/lesson', { ...body, stream: false });
    expect(plain.headers['x-polymath-cache']).toBe('hit');
    expect({ type: 'result', ...plain.body }).toEqual(first.events.at(-1));
    expect(upstream.received).toHaveLength(calls);
  });

  it('does not cache content at its kind\'s default temperature unless the route asks', async () => {
    const a = await post(pm.url, '/v1/content/quiz', { topic: 'fractions' });
    const b = await post(pm.url, '/v1/content/quiz', { topic: 'fractions' });
    expect([a.headers['x-polymath-cache'], b.headers['x-polymath-cache']]).toEqual(['bypass', 'bypass']);
    const c = await post(pm.url, '/v1/content/quiz', { topic: 'fractions', model: 'lessons' });
    const d = await post(pm.url, '/v1/content/quiz', { topic: 'fractions', model: 'lessons' });
    expect([c.headers['x-polymath-cache'], d.headers['x-polymath-cache']]).toEqual(['miss', 'hit']);
    expect(upstream.received).toHaveLength(3);
  });
});

describe.skipIf(!redisAvailable)('on Redis', () => {
  const prefix = `test:i13cache:${randomUUID()}:`;
  let a: TestPolymath;
  let b: TestPolymath;

  beforeAll(async () => {
    a = await startPolymath(config({ url: REDIS_URL, prefix }));
    b = await startPolymath(config({ url: REDIS_URL, prefix }));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it("serves one instance's answer from the other's request", async () => {
    const first = await post(a.url, '/v1/chat/completions', ask('shared question', { temperature: 0 }));
    expect(first.headers['x-polymath-cache']).toBe('miss');
    // The save is not the client's wait: give it a moment to reach Redis.
    let second = await post(b.url, '/v1/chat/completions', ask('shared question', { temperature: 0 }));
    for (let i = 0; i < 20 && second.headers['x-polymath-cache'] !== 'hit'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      second = await post(b.url, '/v1/chat/completions', ask('shared question', { temperature: 0 }));
    }
    expect(second.headers['x-polymath-cache']).toBe('hit');
    expect(second.text).toBe(first.text);
  });
  it('lives where state.url points when cache.url is unset, under state.prefix', async () => {
    const statePrefix = `${prefix}state:`;
    const d = await startPolymath({ ...config(), state: { url: REDIS_URL, prefix: statePrefix } });
    try {
      expect((await post(d.url, '/v1/chat/completions', ask('state question', { temperature: 0 }))).headers['x-polymath-cache']).toBe('miss');
      const redis = new Redis(REDIS_URL);
      let keys: string[] = [];
      for (let i = 0; i < 20 && keys.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 25));
        keys = await redis.keys(`${statePrefix}cache:e:*`);
      }
      redis.disconnect();
      expect(keys).toHaveLength(1);
    } finally {
      await d.close();
    }
  });

  it('rebuilds the semantic index from Redis at start, so a new instance matches rephrased topics', async () => {
    const lesson = (topic: string) => ({ topic, persona: { grade: 7 }, options: { temperature: 0 } });
    expect((await post(a.url, '/v1/content/lesson', lesson('Volcanic eruptions'))).headers['x-polymath-cache']).toBe('miss');
    await new Promise((r) => setTimeout(r, 100));
    const c = await startPolymath(config({ url: REDIS_URL, prefix }));
    try {
      expect(await c.runtime.cache.rebuilding).toBeGreaterThanOrEqual(1);
      const rephrased = await post(c.url, '/v1/content/lesson', lesson('The volcanic eruptions'));
      expect(rephrased.headers['x-polymath-cache']).toBe('hit');
      expect(rephrased.headers['x-polymath-cache-match']).toBe('semantic');
    } finally {
      await c.close();
    }
  });
});

describe('with API keys and prices', () => {
  let priced: TestPolymath;
  let keyA: string;
  let keyB: string;

  beforeAll(async () => {
    priced = await startPolymath({ ...config(), pricing: { 'up/*': { input: 1_000, output: 2_000 } } });
    keyA = (await priced.runtime.keys.create({ name: 'app-a' })).secret;
    keyB = (await priced.runtime.keys.create({ name: 'app-b' })).secret;
  });
  afterAll(async () => {
    await priced?.close();
  });

  it("keeps each key's answers to itself, and a hit costs nothing and says what it saved", async () => {
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    const body = ask('priced question', { temperature: 0 });
    const miss = await post(priced.url, '/v1/chat/completions', body, as(keyA));
    expect(miss.headers['x-polymath-cache']).toBe('miss');
    // 9 prompt tokens at $1000/1M and 3 completion tokens at $2000/1M
    expect(miss.headers['x-polymath-cost-usd']).toBe('0.015');
    let hit = await post(priced.url, '/v1/chat/completions', body, as(keyA));
    for (let i = 0; i < 20 && hit.headers['x-polymath-cache'] !== 'hit'; i++) hit = await post(priced.url, '/v1/chat/completions', body, as(keyA));
    expect(hit.headers['x-polymath-cache']).toBe('hit');
    expect(hit.headers['x-polymath-cost-usd']).toBe('0');
    expect(hit.headers['x-polymath-cache-saved-usd']).toBe('0.015');
    expect(hit.text).toBe(miss.text);
    const other = await post(priced.url, '/v1/chat/completions', body, as(keyB));
    expect(other.headers['x-polymath-cache']).toBe('miss');

    await priced.runtime.requestLog.flush();
    const rows = await priced.runtime.store.db.selectFrom('requests').select(['cache_hit', 'cost_usd', 'key_id']).where('endpoint', '=', 'chat').execute();
    const hits = rows.filter((r) => r.cache_hit === 1);
    expect(hits.length).toBe(1);
    expect(Number(hits[0].cost_usd)).toBe(0);
    expect(rows.filter((r) => r.cache_hit === 0).map((r) => Number(r.cost_usd))).toEqual([0.015, 0.015]);

    const metrics = await priced.runtime.metrics.text();
    expect(metrics).toMatch(/polymath_cache_saved_usd_total\{endpoint="chat"\} 0\.015/);
    expect(metrics).toMatch(/polymath_cost_usd_total\{provider="up",model="gpt-fake"\} 0\.03\b/);
  });

  it('records what each hit saved (saved_usd) and sums it in GET /v1/usage', async () => {
    const key = (await priced.runtime.keys.create({ name: 'app-saver' })).secret;
    const as = { authorization: `Bearer ${key}` };
    const body = ask('what did the cache save?', { temperature: 0 });
    const miss = await post(priced.url, '/v1/chat/completions', body, as);
    expect(miss.headers['x-polymath-cost-usd']).toBe('0.015');
    let hits = 0;
    for (let i = 0; i < 20 && hits < 2; i++) if ((await post(priced.url, '/v1/chat/completions', body, as)).headers['x-polymath-cache'] === 'hit') hits++;
    expect(hits).toBe(2);

    await priced.runtime.requestLog.flush();
    const rows = await priced.runtime.store.db.selectFrom('requests').innerJoin('api_keys', 'api_keys.id', 'requests.key_id').select(['cache_hit', 'saved_usd']).where('api_keys.name', '=', 'app-saver').execute();
    expect(rows.filter((r) => r.cache_hit === 1).map((r) => Number(r.saved_usd))).toEqual([0.015, 0.015]);
    // a miss saved nothing: its saved_usd is empty, not 0
    expect(rows.filter((r) => r.cache_hit === 0).map((r) => r.saved_usd)).toEqual(rows.filter((r) => r.cache_hit === 0).map(() => null));

    const usage = await request(`${priced.url}/v1/usage?group_by=key`, { headers: as });
    const report = (await usage.body.json()) as { data: Array<Record<string, unknown>> };
    expect(report.data).toHaveLength(1);
    expect(report.data[0]).toMatchObject({ cache_hits: 2, cost_usd: 0.015, saved_usd: 0.03 });
  });
});

describe('semantic matches by a route\'s embeddings', () => {
  let embedder: FakeOpenAI;
  let withModel: TestPolymath;
  /** The fake embeddings model: topics about water point one way, everything else another. */
  const vectorOf = (text: string) => (/water|rain|evaporat/i.test(text) ? [0.6, 0.8, 0] : [0, 0.6, 0.8]);

  beforeAll(async () => {
    embedder = await startFakeOpenAI((req, res) => {
      if (!req.url.endsWith('/embeddings')) return openAIBehaviour(req, res);
      json(res, 200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: vectorOf(String(req.body.input)) }], model: req.body.model, usage: { prompt_tokens: 2, total_tokens: 2 } });
    });
    withModel = await startPolymath({
      ...config({ semantic: { embedding_model: 'emb/text-embedding-3-small', threshold: 0.95 } }),
      providers: {
        up: { type: 'openai-compatible', base_url: upstream.url, api_key: 'sk-test', default_model: 'gpt-fake' },
        emb: { type: 'openai-compatible', base_url: embedder.url, api_key: 'sk-test' },
      },
    });
  });
  afterAll(async () => {
    await withModel?.close();
    await embedder?.close();
  });

  it('places topics with the configured embeddings model, so synonyms it knows match', async () => {
    const lesson = (topic: string) => ({ topic, persona: { grade: 6 }, options: { temperature: 0 } });
    const first = await post(withModel.url, '/v1/content/lesson', lesson('The water cycle'));
    expect(first.headers['x-polymath-cache']).toBe('miss');
    const synonym = await post(withModel.url, '/v1/content/lesson', lesson('How rain and evaporation circulate'));
    expect(synonym.headers['x-polymath-cache']).toBe('hit');
    expect(synonym.headers['x-polymath-cache-match']).toBe('semantic');
    expect(synonym.body).toEqual(first.body);
    const other = await post(withModel.url, '/v1/content/lesson', lesson('Plate tectonics'));
    expect(other.headers['x-polymath-cache']).toBe('miss');
    const embedded = embedder.received.filter((r) => r.url.endsWith('/embeddings')).map((r) => r.body);
    expect(embedded.map((b) => b.input)).toEqual(['the water cycle', 'how rain and evaporation circulate', 'plate tectonics']);
    expect(embedded[0].model).toBe('text-embedding-3-small');
  });
});
