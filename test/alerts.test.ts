/**
 * Alerts: the rules on their numbers, and alerts fired and resolved end to end against a local
 * webhook — a breaker that opens and closes again, an error rate that rises and falls — each sent
 * once when it fires and once when it resolves, with retries when the webhook fails.
 */
import type { ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { alertsSchema } from '../src/config/alerts.js';
import { parseConfig } from '../src/config/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { LATENCY_BUCKETS, Metrics } from '../src/telemetry/metrics.js';
import { AlertEngine, evaluate, quantileMs, type AlertEvent } from '../src/usage/alerts/index.js';
import { json, startFakeServer, type FakeServer, type Received } from './helpers/fake-server.js';
import { completion, openAIBehaviour, openAIError, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A local webhook receiver; `failFirst` answers the first N POSTs with 503. */
async function startWebhook(failFirst = 0): Promise<FakeServer<Received>> {
  let n = 0;
  return startFakeServer<Received>({
    behave: (_req, res: ServerResponse) => (n++ < failFirst ? json(res, 503, { error: 'busy' }) : json(res, 200, { ok: true })),
    badJson: (res) => json(res, 400, { error: 'bad json' }),
  });
}

function cumulative(latenciesMs: number[]): Float64Array {
  const out = new Float64Array(LATENCY_BUCKETS.length + 1);
  for (const ms of latenciesMs) {
    let i = 0;
    while (i < LATENCY_BUCKETS.length && ms / 1000 > LATENCY_BUCKETS[i]) i++;
    for (; i < out.length; i++) out[i]++;
  }
  return out;
}

describe('alert rules', () => {
  const rules = alertsSchema.parse({}).rules;
  const quiet = { requests: 0, errors: 0, cost_usd: 0, latency: cumulative([]), baseline: [], breakers: [], budgets: [] };

  it('estimates p95 inside its bucket and fires above 10 s only with enough requests', () => {
    const slow = cumulative([...Array(90).fill(200), ...Array(10).fill(25_000)]);
    expect(quantileMs(slow, 0.95)).toBeGreaterThan(20_000);
    expect(quantileMs(slow, 0.95)).toBeLessThanOrEqual(30_000);
    expect(quantileMs(cumulative(Array(100).fill(200)), 0.95)).toBeLessThanOrEqual(250);
    expect(evaluate(rules, { ...quiet, requests: 100, latency: slow }).map((a) => a.id)).toEqual(['p95_latency']);
    expect(evaluate(rules, { ...quiet, requests: 100, latency: cumulative(Array(100).fill(200)) })).toEqual([]);
    expect(evaluate(rules, { ...quiet, requests: 5, latency: cumulative(Array(5).fill(25_000)) })).toEqual([]);
  });

  it('fires on an error rate above 5%', () => {
    const fast = cumulative(Array(100).fill(10));
    expect(evaluate(rules, { ...quiet, requests: 100, errors: 6, latency: fast }).map((a) => a.rule)).toEqual(['error_rate']);
    expect(evaluate(rules, { ...quiet, requests: 100, errors: 5, latency: fast })).toEqual([]);
  });

  it('fires when an interval costs more than the trailing baseline by 20%, once the baseline is full', () => {
    const baseline = Array(24).fill(1);
    expect(evaluate(rules, { ...quiet, cost_usd: 1.21, baseline }).map((a) => a.rule)).toEqual(['cost_over_baseline']);
    expect(evaluate(rules, { ...quiet, cost_usd: 1.19, baseline })).toEqual([]);
    expect(evaluate(rules, { ...quiet, cost_usd: 5, baseline: baseline.slice(1) })).toEqual([]);
  });

  it('fires per key at its soft budget threshold and per target with an open breaker', () => {
    const found = evaluate(rules, {
      ...quiet,
      budgets: [
        { key: 'a', period: 'day', limit_usd: 10, spent_usd: 8, soft: 0.8 },
        { key: 'b', period: 'day', limit_usd: 10, spent_usd: 7.9, soft: 0.8 },
      ],
      breakers: [
        { target: 'x/m', state: 'open' },
        { target: 'y/m', state: 'half-open' },
      ],
    });
    expect(found.map((a) => a.id)).toEqual(['budget_soft:a:day', 'breaker_open:x/m']);
  });

  it('refuses a config whose webhook is not an http(s) URL, naming the key', () => {
    expect(() => parseConfig({ alerts: { webhook_url: 'ftp://hooks.example.com/x' } })).toThrow(/alerts\.webhook_url/);
    expect(() => parseConfig({ alerts: { rules: { error_rate: 2 } } })).toThrow(/alerts\.rules\.error_rate/);
    expect(parseConfig({ alerts: { rules: { p95_latency_ms: false } } }).alerts.rules.p95_latency_ms).toBe(false);
  });

  it('checks nothing a rule turned off', () => {
    const off = alertsSchema.parse({ rules: { error_rate: false, breaker_open: false } }).rules;
    expect(evaluate(off, { ...quiet, requests: 100, errors: 100, latency: cumulative(Array(100).fill(1)), breakers: [{ target: 'x/m', state: 'open' }] })).toEqual([]);
  });
});

describe('alerts end to end', () => {
  let upstream: FakeOpenAI;
  let webhook: FakeServer<Received>;
  let pm: TestPolymath;
  let failing = true;
  /** what was delivered: the two POSTs the webhook refused are retried, so they are left out */
  const events = () => webhook.received.slice(2).map((r) => r.body as AlertEvent);

  beforeAll(async () => {
    upstream = await startFakeOpenAI((req, res) => (failing ? openAIError(res, 500, 'The server had an error while processing your request.', 'server_error') : openAIBehaviour(req, res)));
    // The webhook fails twice first: the first alert arrives on its third try.
    webhook = await startWebhook(2);
    pm = await startPolymath({
      providers: { up: { type: 'openai-compatible', base_url: upstream.url, api_key: 'sk-test', default_model: 'gpt-fake' } },
      routes: { default: { targets: [{ provider: 'up' }] } },
      routing: { breaker: { failures: 2, half_open_after_ms: 300 }, health_interval_ms: 0 },
      alerts: { webhook_url: `${webhook.origin}/hooks/polymath?token=hook-secret`, interval_ms: 150, webhook: { backoff_ms: 20, timeout_ms: 2_000 }, rules: { min_requests: 1 } },
    });
  });
  afterAll(async () => {
    await pm?.close();
    await upstream?.close();
    await webhook?.close();
  });

  const chat = () => pm.client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hi' }] }).then(() => 200, (e: { status?: number }) => e.status ?? 0);

  it('posts an alert when a breaker opens and errors rise, and once more when each resolves', async () => {
    expect(await Promise.all([chat(), chat()])).toEqual([502, 502]);
    await until('both alerts to fire', () => events().filter((e) => e.status === 'firing').length >= 2);
    const fired = events().filter((e) => e.status === 'firing');
    expect(fired.map((e) => e.id).sort()).toEqual(['breaker_open:up/gpt-fake', 'error_rate']);
    const breaker = fired.find((e) => e.rule === 'breaker_open')!;
    expect(breaker).toMatchObject({ labels: { target: 'up/gpt-fake' }, summary: expect.stringContaining('up/gpt-fake') });
    expect(Date.parse(breaker.started_at)).not.toBeNaN();
    // The first alert took three POSTs (two 503s, then 200), the same JSON each time.
    expect(webhook.received[0].body).toEqual(webhook.received[2].body);
    expect(webhook.received[1].body).toEqual(webhook.received[2].body);
    expect(webhook.received[0].headers['content-type']).toBe('application/json');
    expect(webhook.received[0].url).toBe('/hooks/polymath?token=hook-secret');

    // The next checks see no new errors (error_rate resolves); the breaker stays open until a probe succeeds.
    await until('the error rate to resolve', () => events().some((e) => e.status === 'resolved' && e.id === 'error_rate'));
    failing = false;
    await sleep(350);
    expect(await chat()).toBe(200);
    await until('the breaker alert to resolve', () => events().some((e) => e.status === 'resolved' && e.id === 'breaker_open:up/gpt-fake'));
    await sleep(400); // several more checks: nothing is sent again
    const byId = (id: string) => events().filter((e) => e.id === id).map((e) => e.status);
    expect(byId('breaker_open:up/gpt-fake')).toEqual(['firing', 'resolved']);
    expect(byId('error_rate')).toEqual(['firing', 'resolved']);
    const resolved = events().find((e) => e.status === 'resolved' && e.rule === 'breaker_open')!;
    expect(Date.parse(resolved.resolved_at!)).toBeGreaterThanOrEqual(Date.parse(resolved.started_at));
    // 2 failed tries + 4 delivered events
    expect(webhook.received).toHaveLength(6);
  });
});

describe('the budget soft-threshold alert', () => {
  const ADMIN = 'admin-key-for-alert-tests-012345';
  let upstream: FakeOpenAI;
  let webhook: FakeServer<Received>;
  let pm: TestPolymath;

  beforeAll(async () => {
    // 9 prompt tokens at $1000/1M and 3 completion tokens at $2000/1M: $0.015 a request.
    upstream = await startFakeOpenAI((req, res) => json(res, 200, completion(String(req.body.model), 'ok')));
    webhook = await startWebhook();
    pm = await startPolymath({
      providers: { up: { type: 'openai-compatible', base_url: upstream.url, api_key: 'sk-test', default_model: 'gpt-fake' } },
      routes: { default: { targets: [{ provider: 'up' }] } },
      pricing: { 'up/*': { input: 1_000, output: 2_000 } },
      auth: { admin_key: ADMIN },
      // checked by hand below; latency and error rules never reach their minimum
      alerts: { webhook_url: `${webhook.origin}/hooks`, interval_ms: 3_600_000, webhook: { backoff_ms: 20 }, rules: { min_requests: 1_000 } },
    });
  });
  afterAll(async () => {
    vi.useRealTimers();
    await pm?.close();
    await upstream?.close();
    await webhook?.close();
  });

  const spend = async (secret: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const res = await request(`${pm.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body: JSON.stringify({ model: 'default', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }) });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
    }
  };
  const soft = (events: AlertEvent[]) => events.filter((e) => e.rule === 'budget_soft').map((e) => `${e.status} ${e.labels.key}`).sort();

  it('fires once per key at 80% of its budget, and resolves once when the key is revoked, its budget raised or its period over', async () => {
    const keys = await Promise.all(['team-a', 'team-b', 'team-c'].map((name) => pm.runtime.keys.create({ name, budget: '0.05/day' })));
    // $0.045 of $0.05 each: past the soft threshold ($0.04), under the budget.
    for (const k of keys) await spend(k.secret, 3);
    await until('the spend to be settled', () => pm.runtime.budgets.snapshot().filter((b) => b.spentUsd >= 0.04).length === 3);
    expect(soft(pm.runtime.alerts.check())).toEqual(['firing team-a', 'firing team-b', 'firing team-c']);
    expect(pm.runtime.alerts.check()).toEqual([]);

    const revoked = await request(`${pm.url}/v1/admin/keys/team-b`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(revoked.statusCode).toBe(200);
    await revoked.body.dump();
    expect(soft(pm.runtime.alerts.check())).toEqual(['resolved team-b']);

    // team-c's budget raised to $1/day, as the key is next read: its next settlement sees it.
    const raised = { ...keys[2].key, budget: { usd: 1, period: 'day' as const } };
    pm.runtime.budgets.settle((await pm.runtime.budgets.reserve(raised, 0))!, 0, raised);
    await until('the raised budget to be seen', () => pm.runtime.budgets.snapshot().some((b) => b.name === 'team-c' && b.budgetUsd === 1));
    expect(soft(pm.runtime.alerts.check())).toEqual(['resolved team-c']);

    // A day later team-a's period is over: nothing spent in the new one.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 86_400_000);
    expect(soft(pm.runtime.alerts.check())).toEqual(['resolved team-a']);
    vi.useRealTimers();
    expect(pm.runtime.alerts.check()).toEqual([]);

    await until('the webhook to have all six', () => webhook.received.length >= 6);
    await sleep(100);
    expect(soft(webhook.received.map((r) => r.body as AlertEvent))).toEqual(['firing team-a', 'firing team-b', 'firing team-c', 'resolved team-a', 'resolved team-b', 'resolved team-c']);
  });
});

describe('webhook delivery', () => {
  it('gives up after its tries and never posts an alert twice', async () => {
    const hook = await startWebhook(100);
    const metrics = new Metrics({ defaultMetrics: false });
    let open = true;
    metrics.readBreakersFrom(() => [{ target: 'p/m', state: open ? 'open' : 'closed' }]);
    const engine = new AlertEngine(alertsSchema.parse({ webhook_url: hook.origin, webhook: { attempts: 3, backoff_ms: 5 } }), metrics, createLogger('silent'));
    expect(engine.check().map((e) => e.status)).toEqual(['firing']);
    expect(engine.check()).toEqual([]);
    await engine.webhook!.idle();
    expect(hook.received).toHaveLength(3);
    expect(engine.webhook!.failed).toBe(1);
    open = false;
    expect(engine.check().map((e) => e.status)).toEqual(['resolved']);
    await engine.close();
    await hook.close();
  });

  it('stops at the deadline of a webhook that never answers', async () => {
    const hung = await startFakeServer<Received>({ behave: () => undefined, badJson: () => undefined });
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.readBreakersFrom(() => [{ target: 'p/m', state: 'open' }]);
    const engine = new AlertEngine(alertsSchema.parse({ webhook_url: hung.origin, webhook: { attempts: 2, backoff_ms: 5, timeout_ms: 100 } }), metrics, createLogger('silent'));
    engine.check();
    await engine.webhook!.idle();
    expect(hung.received).toHaveLength(2);
    expect(engine.webhook!.failed).toBe(1);
    await engine.close();
    await hung.close();
  });
});
