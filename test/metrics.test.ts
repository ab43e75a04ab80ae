/**
 * GET /metrics, read with a real Prometheus text-format parser after real requests: requests by
 * route/provider/model/status, latency and time-to-first-token histograms, tokens, cache hits,
 * retries and fallbacks, breaker state per target, budget remaining per key, content checks
 * failed by name; open on loopback, the admin key otherwise.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kind } from '../src/content/index.js';
import { LabelChildren } from '../src/telemetry/label-children.js';
import { SAMPLES } from './content-fixtures.js';
import { completion, json, openAIBehaviour, openAIError, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';
import { histogram, scrape, valueOf, type PromFamily } from './helpers/prometheus.js';

let upstream: FakeOpenAI;
let broken: FakeOpenAI;
let pm: TestPolymath;
let families: PromFamily[];
let scraped: Awaited<ReturnType<typeof scrape>>;

async function post(path: string, body: unknown) {
  const res = await request(`${pm.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  let quizzes = 0;
  upstream.behave = (req, res) => {
    const kind = req.body.response_format?.json_schema?.name as Kind | undefined;
    if (kind !== 'quiz') return openAIBehaviour(req, res);
    // The first quiz names an answer that is not among the options: one failed check, then a repair.
    const badKey = { title: 'q', questions: [{ ...SAMPLES.quiz.questions[0], correct_index: 5 }] };
    json(res, 200, completion(req.body.model, JSON.stringify(quizzes++ === 0 ? badKey : SAMPLES.quiz)));
  };
  broken = await startFakeOpenAI((_req, res) => openAIError(res, 500, 'The server had an error while processing your request.', 'server_error'));
  pm = await startPolymath({
    providers: {
      up: { type: 'openai-compatible', base_url: upstream.url, api_key: 'sk-test', default_model: 'gpt-fake' },
      down: { type: 'openai-compatible', base_url: broken.url, api_key: 'sk-test', default_model: 'gpt-broken' },
    },
    routes: { default: { targets: [{ provider: 'up' }] }, flaky: { targets: [{ provider: 'down' }, { provider: 'up' }] } },
    routing: { breaker: { failures: 2, half_open_after_ms: 60_000 }, health_interval_ms: 0 },
  });
  pm.runtime.metrics.readBudgetsFrom(() => [{ key: 'team-a', period: 'day', limit_usd: 5, spent_usd: 1.25, soft: 0.8 }]);

  const chat = { model: 'default', messages: [{ role: 'user', content: 'hi' }] };
  expect((await post('/v1/chat/completions', chat)).status).toBe(200);
  expect((await post('/v1/chat/completions', { ...chat, temperature: 0 })).status).toBe(200);
  expect((await post('/v1/chat/completions', { ...chat, temperature: 0 })).headers['x-polymath-cache']).toBe('hit');
  expect((await post('/v1/chat/completions', { ...chat, stream: true, stream_options: { include_usage: true } })).status).toBe(200);
  expect((await post('/v1/chat/completions', { ...chat, model: 'nope' })).status).toBe(404);
  expect((await post('/v1/chat/completions', { ...chat, model: 'flaky' })).status).toBe(200);
  expect((await post('/v1/chat/completions', { ...chat, model: 'flaky' })).status).toBe(200);
  expect((await post('/v1/embeddings', { model: 'default', input: 'volcano' })).status).toBe(200);
  expect((await post('/v1/content/quiz', { topic: 'volcano' })).status).toBe(200);
  await pm.runtime.requestLog.flush();
  scraped = await scrape(`${pm.url}/metrics`);
  families = scraped.families;
});
afterAll(async () => {
  await pm?.close();
  await upstream?.close();
  await broken?.close();
});

describe('GET /metrics', () => {
  it('answers in the Prometheus text format that a parser reads', () => {
    expect(scraped.status).toBe(200);
    expect(scraped.contentType).toContain('text/plain');
    expect(scraped.contentType).toContain('version=0.0.4');
    expect(families.find((f) => f.name === 'polymath_requests_total')?.type).toBe('COUNTER');
    expect(families.find((f) => f.name === 'polymath_request_duration_seconds')?.type).toBe('HISTOGRAM');
    // prom-client's process metrics come along.
    expect(families.some((f) => f.name === 'process_cpu_user_seconds_total')).toBe(true);
  });

  it('counts requests by endpoint, route, provider, model and status', () => {
    expect(valueOf(families, 'polymath_requests_total', { endpoint: 'chat', route: 'default', provider: 'up', model: 'gpt-fake', status: '200' })).toBe(4);
    expect(valueOf(families, 'polymath_requests_total', { endpoint: 'chat', route: '', provider: '', status: '404' })).toBe(1);
    expect(valueOf(families, 'polymath_requests_total', { endpoint: 'chat', route: 'flaky', provider: 'up', status: '200' })).toBe(2);
    expect(valueOf(families, 'polymath_requests_total', { endpoint: 'embeddings', provider: 'up', status: '200' })).toBe(1);
    expect(valueOf(families, 'polymath_requests_total', { endpoint: 'content', provider: 'up', status: '200' })).toBe(1);
  });

  it('has latency and time-to-first-token histograms', () => {
    const latency = histogram(scraped.text, 'polymath_request_duration_seconds', { endpoint: 'chat', route: 'default', provider: 'up' });
    expect(Number(latency?.count)).toBe(4);
    expect(Number(latency?.buckets?.['+Inf'])).toBe(4);
    expect(Number(latency?.sum)).toBeGreaterThan(0);
    const ttft = histogram(scraped.text, 'polymath_time_to_first_token_seconds', { endpoint: 'chat', route: 'default' });
    expect(Number(ttft?.count)).toBe(1);
  });

  it('counts prompt and completion tokens by provider and model', () => {
    // 3 upstream chats of 9+3 (JSON) and 9+2 (stream) at "default", 2 at "flaky" of 9+3; one cache hit spends none.
    expect(valueOf(families, 'polymath_tokens_total', { provider: 'up', model: 'gpt-fake', type: 'completion' })).toBeGreaterThanOrEqual(3 + 3 + 2 + 3 + 3);
    expect(valueOf(families, 'polymath_tokens_total', { provider: 'up', model: 'gpt-fake', type: 'prompt' })).toBeGreaterThanOrEqual(9 * 5 + 4);
  });

  it('counts cache decisions by result and match', () => {
    expect(valueOf(families, 'polymath_cache_requests_total', { endpoint: 'chat', result: 'hit', match: 'exact' })).toBe(1);
    expect(valueOf(families, 'polymath_cache_requests_total', { endpoint: 'chat', result: 'miss' })).toBe(1);
    expect(valueOf(families, 'polymath_cache_requests_total', { endpoint: 'chat', result: 'bypass' })).toBe(4);
  });

  it('counts retries and fallbacks, and shows a target whose breaker opened', () => {
    // "flaky" tried "down" first twice (its breaker opens at the 2nd failure), then skipped it.
    expect(valueOf(families, 'polymath_retries_total', { route: 'flaky' })).toBe(2);
    expect(valueOf(families, 'polymath_fallbacks_total', { route: 'flaky' })).toBe(2);
    expect(valueOf(families, 'polymath_breaker_state', { target: 'down/gpt-broken' })).toBe(2);
    expect(valueOf(families, 'polymath_breaker_state', { target: 'up/gpt-fake' })).toBe(0);
  });

  it('shows budget remaining per key and content checks failed by name', () => {
    expect(valueOf(families, 'polymath_budget_remaining_usd', { key: 'team-a', period: 'day' })).toBe(3.75);
    expect(valueOf(families, 'polymath_content_checks_failed_total', { kind: 'quiz', check: 'key_among_options' })).toBe(1);
  });
});

describe('GET /metrics beyond loopback', () => {
  let open: TestPolymath;
  const saved = process.env.POLYMATH_ADMIN_KEY;
  beforeAll(async () => {
    open = await startPolymath({ server: { host: '0.0.0.0' }, providers: { up: { type: 'openai-compatible', base_url: upstream.url, api_key: 'sk-test' } } });
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.POLYMATH_ADMIN_KEY;
    else process.env.POLYMATH_ADMIN_KEY = saved;
    await open?.close();
  });
  const url = () => `${open.url.replace('0.0.0.0', '127.0.0.1')}/metrics`;

  it('refuses without the admin key, in OpenAI error JSON, and says to set one when none is', async () => {
    delete process.env.POLYMATH_ADMIN_KEY;
    const unset = await scrape(url());
    expect(unset.status).toBe(401);
    expect(JSON.parse(unset.text).error.code).toBe('admin_key_not_set');
    process.env.POLYMATH_ADMIN_KEY = 'pm-admin-secret';
    const none = await scrape(url());
    expect(none.status).toBe(401);
    expect(JSON.parse(none.text).error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
    expect(none.text).not.toContain('pm-admin-secret');
    expect((await scrape(url(), { authorization: 'Bearer pm-admin-wrong' })).status).toBe(401);
  });

  it('answers with the admin key as a bearer token or x-api-key', async () => {
    process.env.POLYMATH_ADMIN_KEY = 'pm-admin-secret';
    const bearer = await scrape(url(), { authorization: 'Bearer pm-admin-secret' });
    expect(bearer.status).toBe(200);
    expect(bearer.families.some((f) => f.name === 'polymath_requests_total')).toBe(true);
    expect((await scrape(url(), { 'x-api-key': 'pm-admin-secret' })).status).toBe(200);
  });
});

describe('label children', () => {
  it('reuses one child per label set and folds label sets past the bound into "other"', () => {
    const made: string[][] = [];
    const children = new LabelChildren((...v) => (made.push(v), { v }), 2, 3);
    const a = children.get('x', 'y');
    expect(children.get('x', 'y')).toBe(a);
    children.get('x', 'z');
    children.get('w', 'y');
    const over = children.get('q', 'r');
    expect(over.v).toEqual(['other', 'other']);
    expect(children.get('s', 't')).toBe(over);
    expect(made).toHaveLength(4);
  });
});
