/** Budgets and rate limits on one instance (memory state): headers, 429s, the budget race, the soft threshold, and spend kept across a restart. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SoftThresholdEvent } from '../src/usage/budgets.js';
import { completion, json, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

const PRICE = { input: 1000, output: 2000 };
/** what the fake's answer (9 prompt, 3 completion tokens) costs */
const ONE = (9 * PRICE.input + 3 * PRICE.output) / 1e6;
/** what one request reserves before the call (12 estimated prompt tokens, max_tokens 3) */
const EST = (12 * PRICE.input + 3 * PRICE.output) / 1e6;
// 31 characters: estimated at 12 prompt tokens (≥ the 9 the upstream reports), so a reservation covers the real cost.
const messages = [{ role: 'user' as const, content: 'Hello there, how are you today?' }];

let upstream: FakeOpenAI;
const dir = mkdtempSync(join(tmpdir(), 'polymath-limits-'));
const config = () => ({
  providers: { up: { type: 'openai-compatible', base_url: upstream.url, default_model: 'gpt-fake' } },
  routes: { default: { targets: [{ provider: 'up' }] } },
  pricing: { 'up/*': PRICE },
  store: { url: `sqlite://${join(dir, 'limits.db')}`, flush_ms: 10 },
});

beforeAll(async () => {
  // A little latency, so parallel requests are in flight together.
  upstream = await startFakeOpenAI((req, res) => {
    setTimeout(() => json(res, 200, completion(req.body.model as string, 'ok')), 30);
  });
});
afterAll(async () => {
  await upstream?.close();
});

async function post(pm: TestPolymath, key: string, body: Record<string, unknown>) {
  const res = await request(`${pm.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ model: 'default', messages, ...body }) });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers as Record<string, string>, body: JSON.parse(text) };
}

describe('rate limits', () => {
  let pm: TestPolymath;
  beforeAll(async () => {
    pm = await startPolymath({ ...config(), store: { url: 'sqlite://:memory:' } });
  });
  afterAll(async () => {
    await pm?.close();
  });

  it('counts requests per minute in OpenAI headers and answers 429 rate_limit_exceeded with Retry-After past the limit', async () => {
    const { secret } = await pm.runtime.keys.create({ name: 'rpm3', rpm: 3 });
    for (const remaining of [2, 1, 0]) {
      const ok = await post(pm, secret, {});
      expect(ok.status).toBe(200);
      expect(ok.headers['x-ratelimit-limit-requests']).toBe('3');
      expect(ok.headers['x-ratelimit-remaining-requests']).toBe(String(remaining));
      expect(ok.headers['x-ratelimit-reset-requests']).toMatch(/^(\d+ms|\d+(\.\d+)?s|\d+m\d+(\.\d+)?s)$/);
    }
    const client = new OpenAI({ baseURL: `${pm.url}/v1`, apiKey: secret, maxRetries: 0 });
    const err = await client.chat.completions.create({ model: 'default', messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    const headers = (err as InstanceType<typeof OpenAI.RateLimitError>).headers;
    expect(Number(headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(headers.get('x-ratelimit-remaining-requests')).toBe('0');
  });

  it('takes tokens per minute at the estimate, corrects them to the real count, and refuses a request past the limit', async () => {
    const { secret } = await pm.runtime.keys.create({ name: 'tpm100', tpm: 100 });
    const first = await post(pm, secret, { max_tokens: 80 });
    expect(first.body).toMatchObject({ object: 'chat.completion' });
    expect(first.headers['x-ratelimit-limit-tokens']).toBe('100');
    expect(first.headers['x-ratelimit-remaining-tokens']).toBe(String(100 - 12 - 80));
    // Settled to the 12 tokens really used (not the 92 taken): the next 82-token estimate fits.
    const second = await post(pm, secret, { max_tokens: 70 });
    expect(second.status).toBe(200);
    expect(second.headers['x-ratelimit-remaining-tokens']).toBe(String(100 - 12 - 82));
    const refused = await post(pm, secret, { max_tokens: 95 });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error' });
    expect(refused.body.error.message).toContain('tokens per minute');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});

describe('budgets', () => {
  it('holds under 100 parallel requests: never more than the budget is spent, the rest get 429 insufficient_quota', async () => {
    const pm = await startPolymath(config());
    try {
      const budget = 10 * ONE;
      const { key, secret } = await pm.runtime.keys.create({ name: 'race', budget: `${budget}/day` });
      const soft: SoftThresholdEvent[] = [];
      pm.runtime.budgets.on('soft', (e) => soft.push(e));
      const results = await Promise.all(Array.from({ length: 100 }, () => post(pm, secret, { max_tokens: 3 })));
      const ok = results.filter((r) => r.status === 200);
      const refused = results.filter((r) => r.status !== 200);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      expect(ok.length * ONE).toBeLessThanOrEqual(budget + 1e-12);
      for (const r of refused) {
        expect(r.status).toBe(429);
        expect(r.body.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
      }
      // Keep going one at a time until refused: the whole day's spend stays within the budget.
      let more = 0;
      while ((await post(pm, secret, { max_tokens: 3 })).status === 200) more++;
      await pm.runtime.requestLog.flush();
      const spent = await pm.runtime.store.db.selectFrom('requests').select((eb) => eb.fn.sum<number>('cost_usd').as('s')).where('key_id', '=', key.id).executeTakeFirstOrThrow();
      expect(Number(spent.s)).toBeCloseTo((ok.length + more) * ONE, 9);
      expect(Number(spent.s)).toBeLessThanOrEqual(budget + 1e-12);
      // The reservation's estimate (12 prompt tokens where 9 are used) leaves at most one request unspent.
      expect(Number(spent.s)).toBeGreaterThan(budget - 2 * ONE);
      // The soft threshold (80%) fired, once.
      expect(soft).toHaveLength(1);
      expect(soft[0]).toMatchObject({ keyId: key.id, name: 'race', budgetUsd: budget, threshold: 0.8 });
      expect(soft[0].spentUsd).toBeGreaterThanOrEqual(0.8 * budget);
    } finally {
      await pm.close();
    }
  }, 60_000);

  it('keeps a spent budget across a restart (memory state is seeded from the recorded spend)', async () => {
    const first = await startPolymath(config());
    // Room for two requests in one instance's memory, but not for three.
    const { secret } = await first.runtime.keys.create({ name: 'restart', budget: `${ONE + EST}/month` });
    expect((await post(first, secret, { max_tokens: 3 })).status).toBe(200);
    await first.close();
    const second = await startPolymath(config());
    try {
      // The first request's spend was kept: the second goes through, the third is refused.
      expect((await post(second, secret, { max_tokens: 3 })).status).toBe(200);
      const refused = await post(second, secret, { max_tokens: 3 });
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('insufficient_quota');
    } finally {
      await second.close();
    }
  });

  it('refuses before calling the upstream', async () => {
    const pm = await startPolymath(config());
    try {
      const { secret } = await pm.runtime.keys.create({ name: 'tiny', budget: '0.000001/day' });
      const before = upstream.received.length;
      const res = await post(pm, secret, { max_tokens: 3 });
      expect(res.status).toBe(429);
      expect(upstream.received.length).toBe(before);
    } finally {
      await pm.close();
    }
  });
});

describe('shared state unreachable', () => {
  it('answers 503 at once, without calling the upstream, and the server still closes', async () => {
    // Nothing listens on port 1: every Redis command fails.
    const pm = await startPolymath({ ...config(), store: { url: 'sqlite://:memory:' }, state: { url: 'redis://127.0.0.1:1', timeout_ms: 200 } });
    try {
      const { secret } = await pm.runtime.keys.create({ name: 'no-redis', rpm: 10, budget: '1/day' });
      const before = upstream.received.length;
      const res = await post(pm, secret, { max_tokens: 3 });
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ type: 'service_unavailable' });
      expect(res.body.error.message).toContain('Redis');
      expect(upstream.received.length).toBe(before);
    } finally {
      await pm.close();
    }
  }, 30_000);
});
