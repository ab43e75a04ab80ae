/**
 * Route strategies end to end through the openai client: weighted (and sticky per user or key),
 * conditional on request metadata, fastest, least-busy, composed routes and flag-gated targets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createProviders } from '../src/providers/index.js';
import { Router, StatsRegistry } from '../src/routing/index.js';
import { orderTargets } from '../src/routing/strategies/index.js';
import { providerOf, startFaulty, type FaultyUpstream } from './helpers/faulty-upstream.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

let a: FaultyUpstream, b: FaultyUpstream, c: FaultyUpstream, slow: FaultyUpstream, bad: FaultyUpstream;
let pm: TestPolymath;

const PROVIDERS = () => ({ a: providerOf(a), b: providerOf(b), c: providerOf(c), slow: providerOf(slow), bad: providerOf(bad) });

beforeAll(async () => {
  [a, b, c, slow, bad] = await Promise.all([startFaulty('ok', { text: 'A' }), startFaulty('ok', { text: 'B' }), startFaulty('ok', { text: 'C' }), startFaulty('slow', { delayMs: 400, text: 'S' }), startFaulty('500')]);
  pm = await startPolymath({
    providers: PROVIDERS(),
    routes: {
      rollout: { strategy: 'weighted', targets: [{ provider: 'a', weight: 90 }, { provider: 'b', weight: 10 }] },
      'sticky-user': { strategy: 'weighted', sticky: 'user', targets: [{ provider: 'a', weight: 50 }, { provider: 'b', weight: 50 }] },
      'sticky-key': { strategy: 'weighted', sticky: 'key', targets: [{ provider: 'a', weight: 50 }, { provider: 'b', weight: 50 }] },
      'weighted-failover': { strategy: 'weighted', targets: [{ provider: 'bad', weight: 100 }, { provider: 'b', weight: 0 }] },
      'by-grade': { strategy: 'conditional', targets: [{ when: { 'metadata.grade': { lte: 5 } }, provider: 'a' }, { provider: 'b' }] },
      'by-header': { strategy: 'conditional', targets: [{ when: { 'headers.x-polymath-tier': 'premium' }, provider: 'c' }, { provider: 'a' }] },
      'by-user': { strategy: 'conditional', targets: [{ when: { user: { matches: '^teacher-' } }, provider: 'c' }, { provider: 'a' }] },
      'by-param': { strategy: 'conditional', targets: [{ when: { 'params.temperature': { gte: 1 } }, provider: 'c' }, { provider: 'a' }] },
      'by-kind': { strategy: 'conditional', targets: [{ when: { kind: 'quiz', 'metadata.grade': { lte: 5 } }, provider: 'c' }, { provider: 'a' }] },
      'conditional-fallback': { strategy: 'conditional', targets: [{ when: { 'headers.tier': 'premium' }, provider: 'bad' }, { provider: 'a' }] },
      fastest: { strategy: 'fastest', targets: [{ provider: 'slow' }, { provider: 'b' }] },
      'least-busy': { strategy: 'least-busy', targets: [{ provider: 'slow' }, { provider: 'b' }] },
      outer: { strategy: 'fallback', targets: [{ provider: 'bad' }, { route: 'inner' }] },
      inner: { strategy: 'weighted', targets: [{ provider: 'c', weight: 1 }] },
      flagged: { targets: [{ provider: 'a', flag: 'ENABLE_NEW_THING' }, { provider: 'b' }] },
      'flag-on': { targets: [{ provider: 'c', flag: 'POLYMATH_TEST_FLAG_ON' }, { provider: 'b' }] },
    },
    flags: { ENABLE_NEW_THING: false, POLYMATH_TEST_FLAG_ON: true },
  });
});
afterAll(async () => {
  await pm?.close();
  await Promise.all([a, b, c, slow, bad].map((u) => u?.close()));
});

async function ask(model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await fetch(`${pm.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
  });
  const body = (await res.json()) as any;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return { text: body.choices[0].message.content as string, attempts: res.headers.get('x-polymath-attempts'), route: res.headers.get('x-polymath-route') };
}

describe('weighted', () => {
  it('splits traffic by weight (90/10 over 400 requests)', async () => {
    const counts = { A: 0, B: 0 } as Record<string, number>;
    for (let i = 0; i < 400; i++) counts[(await ask('rollout')).text]++;
    expect(counts.A).toBeGreaterThan(330);
    expect(counts.A).toBeLessThan(390);
    expect(counts.B).toBe(400 - counts.A);
  });

  it('keeps one user on one target with sticky: user, and spreads different users', async () => {
    const first = (await ask('sticky-user', { user: 'learner-42' })).text;
    for (let i = 0; i < 15; i++) expect((await ask('sticky-user', { user: 'learner-42' })).text).toBe(first);
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) seen.add((await ask('sticky-user', { user: `learner-${i}` })).text);
    expect(seen).toEqual(new Set(['A', 'B']));
  });

  it('keeps one API key on one target with sticky: key', async () => {
    const first = (await ask('sticky-key', {}, { authorization: 'Bearer key-1' })).text;
    for (let i = 0; i < 10; i++) expect((await ask('sticky-key', {}, { authorization: 'Bearer key-1' })).text).toBe(first);
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) seen.add((await ask('sticky-key', {}, { authorization: `Bearer key-${i}` })).text);
    expect(seen.size).toBe(2);
  });

  it('falls back to the other targets when the chosen one fails', async () => {
    const r = await ask('weighted-failover');
    expect(r.text).toBe('B');
    expect(r.attempts).toBe('2');
  });
});

describe('conditional', () => {
  it('matches body metadata.grade with lte', async () => {
    expect((await ask('by-grade', { metadata: { grade: '3' } })).text).toBe('A');
    expect((await ask('by-grade', { metadata: { grade: '8' } })).text).toBe('B');
    expect((await ask('by-grade')).text).toBe('B');
  });

  it('matches an x-polymath-* header', async () => {
    expect((await ask('by-header', {}, { 'x-polymath-tier': 'premium' })).text).toBe('C');
    expect((await ask('by-header', {}, { 'x-polymath-tier': 'free' })).text).toBe('A');
  });

  it('matches the body user with a pattern', async () => {
    expect((await ask('by-user', { user: 'teacher-7' })).text).toBe('C');
    expect((await ask('by-user', { user: 'student-7' })).text).toBe('A');
  });

  it('matches a model parameter', async () => {
    expect((await ask('by-param', { temperature: 1.2 })).text).toBe('C');
    expect((await ask('by-param', { temperature: 0.2 })).text).toBe('A');
  });

  it('matches a content request by kind and persona grade from its intent', async () => {
    const plan = pm.runtime.router.resolve('by-kind');
    const run = (intent: Record<string, unknown>) =>
      pm.runtime.executor.chat(plan, { model: 'by-kind', messages: [{ role: 'user', content: 'x' }] }, { signal: new AbortController().signal, requestId: 'r1', intent: intent as any });
    expect((await run({ kind: 'quiz', persona: { grade: 4 } })).target.provider.id).toBe('c');
    expect((await run({ kind: 'quiz', persona: { grade: 9 } })).target.provider.id).toBe('a');
    expect((await run({ kind: 'lesson', persona: { grade: 4 } })).target.provider.id).toBe('a');
  });

  it('falls back from a matched target to the later matches', async () => {
    const r = await ask('conditional-fallback', {}, { 'x-polymath-tier': 'premium' });
    expect(r.text).toBe('A');
    expect(r.attempts).toBe('2');
  });
});

describe('fastest and least-busy', () => {
  it('fastest sends traffic to the target with the lower latency EWMA once both are measured', async () => {
    for (let i = 0; i < 3; i++) await ask('fastest');
    const texts = [];
    for (let i = 0; i < 5; i++) texts.push((await ask('fastest')).text);
    expect(texts).toEqual(['B', 'B', 'B', 'B', 'B']);
  });

  it('least-busy sends a request to the target with fewer calls in flight', async () => {
    const first = ask('least-busy');
    await new Promise((r) => setTimeout(r, 100));
    const second = await ask('least-busy');
    expect(second.text).toBe('B');
    expect((await first).text).toBe('S');
  });
});

describe('composition and flags', () => {
  it('a target may be another route, whose own strategy then picks', async () => {
    const r = await ask('outer');
    expect(r.text).toBe('C');
    expect(r.attempts).toBe('2');
    expect(r.route).toBe('outer');
  });

  it('leaves out a target whose flag is off, and keeps one whose flag is on', async () => {
    expect((await ask('flagged')).text).toBe('B');
    expect((await ask('flag-on')).text).toBe('C');
  });

  it('lets the environment turn a flag on over the config (ENABLE_BITTENSOR_SUBNET_1)', () => {
    const config = parseConfig({
      providers: PROVIDERS(),
      routes: { net: { targets: [{ provider: 'a', flag: 'ENABLE_BITTENSOR_SUBNET_1' }, { provider: 'b', flag: 'BITTENSOR_FALLBACK_ENABLED' }] } },
      flags: { ENABLE_BITTENSOR_SUBNET_1: false, BITTENSOR_FALLBACK_ENABLED: true },
    });
    const providers = createProviders(config.providers);
    const ids = (env: NodeJS.ProcessEnv) => orderTargets(new Router(config, providers, new StatsRegistry({ failures: 5, halfOpenAfterMs: 1000 }), env).resolve('net').node, {}).map((t) => t.provider.id);
    expect(ids({})).toEqual(['b']);
    expect(ids({ ENABLE_BITTENSOR_SUBNET_1: 'true' })).toEqual(['a', 'b']);
    expect(ids({ ENABLE_BITTENSOR_SUBNET_1: '1', BITTENSOR_FALLBACK_ENABLED: 'false' })).toEqual(['a']);
    return Promise.all([...providers.values()].map((p) => p.close?.()));
  });
});
