/**
 * State that every instance must agree on: budget counters and rate limits. In memory by default
 * (one instance); with `state.url: redis://…` in Redis, so instances sharing it hold one budget.
 * Counters are integers (budgets count nano-dollars); `reserve` is atomic: it adds only when the
 * total stays within the limit (a Lua script on Redis, a synchronous step in memory).
 */
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { StateConfig } from '../config/usage.js';
import { PolymathError } from '../errors.js';
import type { Maybe } from '../maybe.js';

export interface Reserved {
  ok: boolean;
  /** the counter after the call (unchanged when refused) */
  total: number;
}

/** A key's count in its window after a take, and when that window ends. */
export interface WindowCount {
  consumed: number;
  msBeforeNext: number;
}

/**
 * Fixed windows per key: a window opens at a key's first take and lasts the limiter's duration
 * (rate-limiter-flexible's model, which the Redis side uses). A take past the limit still counts.
 */
export interface WindowLimiter {
  /** adds `points` to the key's window; the caller compares `consumed` with its limit */
  consume(key: string, points: number): Maybe<WindowCount>;
  /** corrects the key's current window by `delta` (negative gives back); a window that ended is left alone */
  adjust(key: string, delta: number): Maybe<unknown>;
}

export interface SharedState {
  readonly kind: 'memory' | 'redis';
  /** the Redis connection, for other stages that keep state there (the cache) */
  readonly redis?: Redis;
  /** adds `amount` unless the total would pass `limit` */
  reserve(key: string, amount: number, limit: number, ttlMs: number): Maybe<Reserved>;
  /** adds `delta` (may be negative); returns the new total */
  add(key: string, delta: number, ttlMs: number): Maybe<number>;
  /** sets the counter when it does not exist yet (seeding it from the store) */
  seed(key: string, value: number, ttlMs: number): Maybe<void>;
  /** a rate limiter of `points` per `seconds` on this state */
  limiter(name: string, points: number, seconds: number): WindowLimiter;
  close(): Promise<void>;
}

const MAX_COUNTERS = 100_000;
const MAX_LIMITERS = 1_024;

export function openState(cfg: StateConfig): SharedState {
  return cfg.url.startsWith('memory:') ? new MemoryState() : new RedisState(cfg);
}

class MemoryState implements SharedState {
  readonly kind = 'memory';
  private readonly counters = new Map<string, { value: number; expires: number }>();
  private readonly limiters = new Map<string, WindowLimiter>();

  private get(key: string): number {
    const c = this.counters.get(key);
    if (!c) return 0;
    if (c.expires <= Date.now()) {
      this.counters.delete(key);
      return 0;
    }
    return c.value;
  }

  private set(key: string, value: number, ttlMs: number): void {
    if (!this.counters.has(key) && this.counters.size >= MAX_COUNTERS) evict(this.counters);
    this.counters.set(key, { value, expires: Date.now() + ttlMs });
  }

  reserve(key: string, amount: number, limit: number, ttlMs: number): Reserved {
    const total = this.get(key);
    if (total + amount > limit) return { ok: false, total };
    this.set(key, total + amount, ttlMs);
    return { ok: true, total: total + amount };
  }

  add(key: string, delta: number, ttlMs: number): number {
    const total = this.get(key) + delta;
    this.set(key, total, ttlMs);
    return total;
  }

  seed(key: string, value: number, ttlMs: number): void {
    if (!this.counters.has(key)) this.set(key, value, ttlMs);
  }

  limiter(name: string, points: number, seconds: number): WindowLimiter {
    return cachedLimiter(this.limiters, `${name}:${points}:${seconds}`, () => new MemoryWindows(seconds * 1000));
  }

  async close(): Promise<void> {
    this.counters.clear();
  }
}

/** Drops expired counts, then the oldest tenth if still full. */
function evict(counts: Map<string, { expires: number }>): void {
  const now = Date.now();
  for (const [k, c] of counts) if (c.expires <= now) counts.delete(k);
  let drop = counts.size >= MAX_COUNTERS ? MAX_COUNTERS / 10 : 0;
  for (const k of counts.keys()) {
    if (drop-- <= 0) break;
    counts.delete(k);
  }
}

/** Fixed windows in this process, answered at once; at most MAX_COUNTERS keys. */
class MemoryWindows implements WindowLimiter {
  private readonly counts = new Map<string, { value: number; expires: number }>();

  constructor(private readonly windowMs: number) {}

  consume(key: string, points: number): WindowCount {
    const now = Date.now();
    let c = this.counts.get(key);
    if (c === undefined || c.expires <= now) {
      if (c === undefined && this.counts.size >= MAX_COUNTERS) evict(this.counts);
      c = { value: 0, expires: now + this.windowMs };
      this.counts.set(key, c);
    }
    c.value += points;
    return { consumed: c.value, msBeforeNext: c.expires - now };
  }

  adjust(key: string, delta: number): void {
    const c = this.counts.get(key);
    if (c !== undefined && c.expires > Date.now()) c.value = Math.max(0, c.value + delta);
  }
}

/** rate-limiter-flexible's windows in Redis: a refusal (a RateLimiterRes) is a count; a Redis failure is 503. */
class RedisWindows implements WindowLimiter {
  constructor(private readonly limiter: RateLimiterRedis) {}

  consume(key: string, points: number): Promise<WindowCount> {
    return this.limiter.consume(key, points).then(countOf, (err: unknown) => {
      if (err instanceof RateLimiterRes) return countOf(err);
      throw unavailable(err);
    });
  }

  adjust(key: string, delta: number): Promise<unknown> {
    return delta > 0 ? this.limiter.penalty(key, delta) : this.limiter.reward(key, -delta);
  }
}

const countOf = (res: RateLimiterRes): WindowCount => ({ consumed: res.consumedPoints, msBeforeNext: res.msBeforeNext });

// KEYS[1] counter; ARGV amount, limit, ttl ms. Adds only when the total stays within the limit.
const RESERVE = `
local total = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
if total + amount > tonumber(ARGV[2]) then return {0, total} end
total = redis.call('INCRBY', KEYS[1], amount)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, total}
`;

// KEYS[1] counter; ARGV delta, ttl ms.
const ADD = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return total
`;

type RedisWithScripts = Redis & {
  polymathReserve(key: string, amount: number, limit: number, ttlMs: number): Promise<[number, number]>;
  polymathAdd(key: string, delta: number, ttlMs: number): Promise<number>;
};

class RedisState implements SharedState {
  readonly kind = 'redis';
  readonly redis: RedisWithScripts;
  private readonly limiters = new Map<string, WindowLimiter>();
  private readonly prefix: string;

  constructor(cfg: StateConfig) {
    this.prefix = cfg.prefix;
    const redis = new Redis(cfg.url, {
      commandTimeout: cfg.timeout_ms,
      connectTimeout: cfg.timeout_ms * 5,
      maxRetriesPerRequest: 1,
      // A command issued while Redis is down fails at once rather than waiting in an unbounded queue.
      enableOfflineQueue: true,
      lazyConnect: false,
    });
    redis.on('error', () => {}); // reported per command; a reconnecting client would otherwise crash the process
    redis.defineCommand('polymathReserve', { numberOfKeys: 1, lua: RESERVE });
    redis.defineCommand('polymathAdd', { numberOfKeys: 1, lua: ADD });
    this.redis = redis as RedisWithScripts;
  }

  async reserve(key: string, amount: number, limit: number, ttlMs: number): Promise<Reserved> {
    const [ok, total] = await guard(this.redis.polymathReserve(this.prefix + key, amount, limit, ttlMs));
    return { ok: ok === 1, total: Number(total) };
  }

  async add(key: string, delta: number, ttlMs: number): Promise<number> {
    return Number(await guard(this.redis.polymathAdd(this.prefix + key, delta, ttlMs)));
  }

  async seed(key: string, value: number, ttlMs: number): Promise<void> {
    await guard(this.redis.set(this.prefix + key, value, 'PX', ttlMs, 'NX'));
  }

  limiter(name: string, points: number, seconds: number): WindowLimiter {
    return cachedLimiter(this.limiters, `${name}:${points}:${seconds}`, () => new RedisWindows(new RateLimiterRedis({ storeClient: this.redis, keyPrefix: `${this.prefix}${name}:${points}`, points, duration: seconds, rejectIfRedisNotReady: true })));
  }

  async close(): Promise<void> {
    // QUIT on a client that never connected would wait in its offline queue: just drop it then.
    if (this.redis.status !== 'ready') return this.redis.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function cachedLimiter(map: Map<string, WindowLimiter>, id: string, make: () => WindowLimiter): WindowLimiter {
  let l = map.get(id);
  if (!l) {
    if (map.size >= MAX_LIMITERS) map.clear();
    l = make();
    map.set(id, l);
  }
  return l;
}

/** A Redis failure is the service's, not the client's: 503, and the request is not made. */
export async function guard<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw unavailable(err);
  }
}

function unavailable(cause: unknown): PolymathError {
  return new PolymathError('unavailable', 'Shared state (Redis) is unreachable; retry shortly.', { cause, retryAfter: 1 });
}
