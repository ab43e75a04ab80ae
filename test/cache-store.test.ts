/**
 * The cache's parts on their own: the memory and Redis stores (LRU order, TTL, bounds in entries
 * and bytes), the semantic index on usearch and the local embedding, and ResponseCache's
 * namespacing (route, API key, kind, persona).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { localEmbedding, MemoryStore, RedisStore, ResponseCache, SemanticIndex, type CacheStore } from '../src/cache/index.js';
import { cacheSchema } from '../src/config/cache.js';
import { createLogger } from '../src/telemetry/logger.js';
import { REDIS_URL, redisAvailable } from './helpers/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The same behaviour asked of both stores. */
function storeContract(name: string, make: (bounds: { maxEntries: number; maxBytes: number }) => CacheStore, skip = false) {
  describe.skipIf(skip)(`${name} store`, () => {
    const opened: CacheStore[] = [];
    const open = async (maxEntries: number, maxBytes = 1_000_000) => {
      const s = make({ maxEntries, maxBytes });
      opened.push(s);
      await s.ready?.();
      return s;
    };
    afterAll(async () => {
      for (const s of opened) await s.close();
    });

    it('returns what was stored and nothing for an unknown key', async () => {
      const s = await open(10);
      await s.set('a', 'alpha', 60_000);
      expect(await s.get('a')).toBe('alpha');
      expect(await s.get('b')).toBeUndefined();
    });

    it('evicts the least recently used entry past its bound in entries', async () => {
      const s = await open(2);
      await s.set('a', '1', 60_000);
      await s.set('b', '2', 60_000);
      expect(await s.get('a')).toBe('1'); // a is now newer than b
      await s.set('c', '3', 60_000);
      expect(await s.get('b')).toBeUndefined();
      expect(await s.get('a')).toBe('1');
      expect(await s.get('c')).toBe('3');
    });

    it('evicts the oldest entries past its bound in bytes, and refuses an entry larger than the bound', async () => {
      const s = await open(100, 400);
      await s.set('k1', 'x'.repeat(150), 60_000);
      await s.set('k2', 'y'.repeat(150), 60_000);
      await s.set('k3', 'z'.repeat(150), 60_000);
      const present = [await s.get('k1'), await s.get('k2'), await s.get('k3')].filter((v) => v !== undefined);
      expect(present.length).toBeLessThan(3);
      expect(await s.get('k3')).toBe('z'.repeat(150));
      await s.set('huge', 'h'.repeat(1_000), 60_000);
      expect(await s.get('huge')).toBeUndefined();
    });

    it('forgets an entry once its TTL has passed', async () => {
      const s = await open(10);
      await s.set('short', 'v', 50);
      await s.set('long', 'v', 60_000);
      await sleep(120);
      expect(await s.get('short')).toBeUndefined();
      expect(await s.get('long')).toBe('v');
    });

    it('replaces a value under the same key and deletes on request', async () => {
      const s = await open(10);
      await s.set('a', 'one', 60_000);
      await s.set('a', 'two', 60_000);
      expect(await s.get('a')).toBe('two');
      expect(await s.keys(10)).toEqual(['a']);
      await s.delete('a');
      expect(await s.get('a')).toBeUndefined();
    });
  });
}

storeContract('memory', (b) => new MemoryStore(b));

const redisPrefixes: string[] = [];
storeContract(
  'Redis',
  (b) => {
    const prefix = `test:i13cache:${randomUUID()}:`;
    redisPrefixes.push(prefix);
    return new RedisStore({ ...b, url: REDIS_URL, prefix, timeoutMs: 1_000 });
  },
  !redisAvailable,
);

describe.skipIf(!redisAvailable)('Redis store accounting', () => {
  it('keeps its count of entries and bytes equal to what it holds after evictions', async () => {
    const prefix = `test:i13cache:${randomUUID()}:`;
    redisPrefixes.push(prefix);
    const s = new RedisStore({ maxEntries: 3, maxBytes: 1_000_000, url: REDIS_URL, prefix, timeoutMs: 1_000 });
    await s.ready();
    for (let i = 0; i < 10; i++) await s.set(`k${i}`, `value-${i}`, 60_000);
    const usage = await s.usage();
    expect(usage.entries).toBe(3);
    expect(usage.bytes).toBe(['k7', 'k8', 'k9'].reduce((n, k, i) => n + k.length + `value-${7 + i}`.length, 0));
    expect(await s.keys(10)).toEqual(['k7', 'k8', 'k9']);
    await s.close();
  });

  afterAll(async () => {
    const redis = new Redis(REDIS_URL);
    for (const prefix of redisPrefixes) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
  });
});

describe('semantic index', () => {
  it('finds the nearest vector of a namespace above the threshold and only there', () => {
    const idx = new SemanticIndex(100);
    idx.add('ns1', localEmbedding('the water cycle', 64), 'water');
    idx.add('ns1', localEmbedding('volcanoes', 64), 'volcano');
    idx.add('ns2', localEmbedding('photosynthesis', 64), 'photo');
    expect(idx.nearest('ns1', localEmbedding('Water cycle', 64), 0.9)?.key).toBe('water');
    expect(idx.nearest('ns1', localEmbedding('photosynthesis', 64), 0.9)).toBeUndefined();
    expect(idx.nearest('ns2', localEmbedding('water cycle', 64), 0.9)).toBeUndefined();
    expect(idx.nearest('ns3', localEmbedding('water cycle', 64), 0)).toBeUndefined();
  });

  it('drops its oldest vectors past its bound, and forgets a key on request', () => {
    const idx = new SemanticIndex(2);
    idx.add('ns', localEmbedding('alpha topic', 64), 'a');
    idx.add('ns', localEmbedding('beta subject', 64), 'b');
    idx.add('ns', localEmbedding('gamma matter', 64), 'c');
    expect(idx.size).toBe(2);
    expect(idx.nearest('ns', localEmbedding('alpha topic', 64), 0.99)).toBeUndefined();
    idx.forget('ns', 'b');
    expect(idx.nearest('ns', localEmbedding('beta subject', 64), 0.99)).toBeUndefined();
    expect(idx.nearest('ns', localEmbedding('gamma matter', 64), 0.99)?.key).toBe('c');
  });

  it('embeds locally so that function words and case do not count but content words do', () => {
    const cos = (a: string, b: string) => localEmbedding(a, 256).reduce((s, x, i) => s + x * localEmbedding(b, 256)[i], 0);
    expect(cos('The water cycle', 'water cycle!')).toBeGreaterThan(0.99);
    expect(cos('how volcanoes erupt', 'How do volcanoes erupt?')).toBeGreaterThan(0.99);
    expect(cos('the water cycle', 'the carbon cycle')).toBeLessThan(0.7);
    expect(cos('fractions', 'photosynthesis')).toBeLessThan(0.3);
  });
});

describe('response cache namespaces', () => {
  const config = cacheSchema.parse({ mode: 'deterministic' });
  const cache = new ResponseCache(config, createLogger('silent'));
  const signal = new AbortController().signal;
  const answer = { body: '{"ok":1}', provider: 'up', model: 'm' };

  it('serves a chat answer to the same request in the same namespace only', async () => {
    const body = { model: 'default', temperature: 0, messages: [{ role: 'user', content: 'hi' }] };
    const miss = await cache.chat({ route: 'default', key: 'key-a', kind: 'chat' }, body);
    expect(miss.status).toBe('miss');
    miss.save(answer);
    await sleep(5);
    // Key order, `user` and `stream: false` do not change the key.
    const same = await cache.chat({ route: 'default', key: 'key-a', kind: 'chat' }, { messages: body.messages, temperature: 0, model: 'default', user: 'u1', stream: false });
    expect(same.status).toBe('hit');
    expect(same.answer?.body).toBe(answer.body);
    expect((await cache.chat({ route: 'default', key: 'key-b', kind: 'chat' }, body)).status).toBe('miss');
    expect((await cache.chat({ route: 'other', key: 'key-a', kind: 'chat' }, body)).status).toBe('miss');
    expect((await cache.chat({ route: 'default', key: 'key-a', kind: 'chat' }, { ...body, temperature: 0.5 })).status).toBe('bypass');
  });

  it("never serves one persona's content to another, even semantically", async () => {
    const ns = (persona: unknown) => ({ route: 'default', key: null, kind: 'lesson', persona });
    const grade3 = { grade: 3 };
    const miss = await cache.content(ns(grade3), { topic: 'The water cycle' }, true, signal);
    expect(miss.status).toBe('miss');
    miss.save(answer);
    await sleep(5);
    const exact = await cache.content(ns({ grade: 3 }), { topic: 'the water cycle.' }, true, signal);
    expect(exact).toMatchObject({ status: 'hit', match: 'exact' });
    const near = await cache.content(ns(grade3), { topic: 'Water cycle' }, true, signal);
    expect(near).toMatchObject({ status: 'hit', match: 'semantic' });
    expect(near.similarity).toBeGreaterThan(0.9);
    expect((await cache.content(ns({ grade: 9 }), { topic: 'The water cycle' }, true, signal)).status).toBe('miss');
    expect((await cache.content({ ...ns(grade3), kind: 'quiz' }, { topic: 'The water cycle' }, true, signal)).status).toBe('miss');
    expect((await cache.content(ns(grade3), { topic: 'The water cycle', options: { count: 7 } }, true, signal)).status).toBe('miss');
    expect((await cache.content(ns(grade3), { topic: 'The carbon cycle' }, true, signal)).status).toBe('miss');
  });

  it('follows the request header and the route mode', async () => {
    const off = new ResponseCache(cacheSchema.parse({ mode: 'off', routes: { always: 'always' } }), createLogger('silent'));
    const body = { model: 'x', temperature: 1, messages: [{ role: 'user', content: 'hi' }] };
    expect((await off.chat({ route: 'x', key: null, kind: 'chat' }, body)).status).toBe('bypass');
    expect((await off.chat({ route: 'x', key: null, kind: 'chat' }, body, { header: 'use' })).status).toBe('miss');
    expect((await off.chat({ route: 'always', key: null, kind: 'chat' }, body)).status).toBe('miss');
    expect((await off.chat({ route: 'always', key: null, kind: 'chat' }, body, { header: 'bypass' })).status).toBe('bypass');
    expect((await off.chat({ route: 'always', key: null, kind: 'chat' }, body, { cacheControl: 'no-cache' })).status).toBe('bypass');
    expect((await off.chat({ route: 'always', key: null, kind: 'chat' }, { ...body, stream: true })).status).toBe('bypass');
  });
});
