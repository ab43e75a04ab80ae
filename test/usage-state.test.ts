/** The shared state's window limiters and counters: memory answers at once, Redis the same counts by promise. */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { stateSchema } from '../src/config/usage.js';
import { openState, type SharedState, type WindowLimiter } from '../src/usage/state.js';
import { REDIS_URL, redisAvailable } from './helpers/services.js';

/** consume 3, 4, 5 against a 10-point window; then give 6 back and take 1 more */
async function sequence(l: WindowLimiter, key: string): Promise<number[]> {
  const seen: number[] = [];
  for (const p of [3, 4, 5]) seen.push((await l.consume(key, p)).consumed);
  await l.adjust(key, -6);
  seen.push((await l.consume(key, 1)).consumed);
  return seen;
}

describe('memory state', () => {
  const state = openState(stateSchema.parse({}));

  it('answers limits and counters at once, not by promise', () => {
    const l = state.limiter('rpm', 10, 60);
    const c = l.consume('k-sync', 1);
    expect(c).not.toBeInstanceOf(Promise);
    expect(c).toMatchObject({ consumed: 1 });
    expect((c as { msBeforeNext: number }).msBeforeNext).toBeGreaterThan(59_000);
    expect(state.reserve('budget:k', 5, 10, 60_000)).toEqual({ ok: true, total: 5 });
    expect(state.reserve('budget:k', 6, 10, 60_000)).toEqual({ ok: false, total: 5 });
    expect(state.add('budget:k', -2, 60_000)).toBe(3);
  });

  it('counts a take past the limit, corrects within the window, and opens a new window when it ends', async () => {
    const l = state.limiter('tpm', 10, 1);
    expect(await sequence(l, 'k-window')).toEqual([3, 7, 12, 7]);
    await new Promise((r) => setTimeout(r, 1_050));
    l.adjust('k-window', -5); // the window it would correct has ended: nothing to give back
    expect((await l.consume('k-window', 2)).consumed).toBe(2);
  });
});

describe.skipIf(!redisAvailable)('Redis state', () => {
  let state: SharedState | undefined;
  afterAll(() => state?.close());

  it('counts the same windows as memory does, by promise', async () => {
    state = openState(stateSchema.parse({ url: REDIS_URL, prefix: `polymath-test-${randomUUID()}:` }));
    const redis = state.redis!;
    if (redis.status !== 'ready') await new Promise((r) => redis.once('ready', r));
    const l = state.limiter('tpm', 10, 60);
    const pending = l.consume('k-redis-0', 1);
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    expect(await sequence(l, 'k-redis')).toEqual(await sequence(openState(stateSchema.parse({})).limiter('tpm', 10, 60), 'k-redis'));
  });
});
