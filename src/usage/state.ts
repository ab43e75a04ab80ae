/**
 * State that every instance must agree on: budget counters and rate limits. In memory by default
 * (one instance); with `state.url: redis://…` in Redis, so instances sharing it hold one budget.
 * Counters are integers (budgets count nano-dollars); `reserve` is atomic: it adds only when the
 * total stays within the limit (a Lua script on Redis, a synchronous step in memory).
 */
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { StateConfig } from '../config/usage.js';
import { PolymathError } from '../errors.js';

export interface Reserved {
  ok: boolean;
  /** the counter after the call (unchanged when refused) */
  total: number;
}

export interface SharedState {
  readonly kind: 'memory' | 'redis';
  /** the Redis connection, for other stages that keep state there (the cache) */
  readonly redis?: Redis;
  /** adds `amount` unless the total would pass `limit` */
  reserve(key: string, amount: number, limit: number, ttlMs: number): Promise<Reserved>;
  /** adds `delta` (may be negative); returns the new total */
  add(key: string, delta: number, ttlMs: number): Promise<number>;
  /** sets the counter when it does not exist yet (seeding it from the store) */
  seed(key: string, value: number, ttlMs: number): Promise<void>;
  /** a rate limiter of `points` per `seconds` on this state */
  limiter(name: string, points: number, seconds: number): RateLimiterAbstract;
  close(): Promise<void>;
}

const MAX_COUNTERS = 100_000;
const MAX_LIMITERS = 1_024;

export function openState(cfg: StateConfig): SharedState {
  return cfg.url.startsWith('memory:') ? new MemoryState(cfg.prefix) : new RedisState(cfg);
}

class MemoryState implements SharedState {
  readonly kind = 'memory';
  private readonly counters = new Map<string, { value: number; expires: number }>();
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  constructor(private readonly prefix: string) {}

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
    if (!this.counters.has(key) && this.counters.size >= MAX_COUNTERS) this.evict();
    this.counters.set(key, { value, expires: Date.now() + ttlMs });
  }

  /** Drops expired counters, then the oldest tenth if still full. */
  private evict(): void {
    const now = Date.now();
    for (const [k, c] of this.counters) if (c.expires <= now) this.counters.delete(k);
    let drop = this.counters.size >= MAX_COUNTERS ? MAX_COUNTERS / 10 : 0;
    for (const k of this.counters.keys()) {
      if (drop-- <= 0) break;
      this.counters.delete(k);
    }
  }

  async reserve(key: string, amount: number, limit: number, ttlMs: number): Promise<Reserved> {
    const total = this.get(key);
    if (total + amount > limit) return { ok: false, total };
    this.set(key, total + amount, ttlMs);
    return { ok: true, total: total + amount };
  }

  async add(key: string, delta: number, ttlMs: number): Promise<number> {
    const total = this.get(key) + delta;
    this.set(key, total, ttlMs);
    return total;
  }

  async seed(key: string, value: number, ttlMs: number): Promise<void> {
    if (!this.counters.has(key)) this.set(key, value, ttlMs);
  }

  limiter(name: string, points: number, seconds: number): RateLimiterAbstract {
    return cachedLimiter(this.limiters, `${name}:${points}:${seconds}`, () => new RateLimiterMemory({ keyPrefix: `${this.prefix}${name}:${points}`, points, duration: seconds }));
  }

  async close(): Promise<void> {
    this.counters.clear();
  }
}

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
  private readonly limiters = new Map<string, RateLimiterAbstract>();
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

  limiter(name: string, points: number, seconds: number): RateLimiterAbstract {
    return cachedLimiter(this.limiters, `${name}:${points}:${seconds}`, () => new RateLimiterRedis({ storeClient: this.redis, keyPrefix: `${this.prefix}${name}:${points}`, points, duration: seconds, rejectIfRedisNotReady: true }));
  }

  async close(): Promise<void> {
    // QUIT on a client that never connected would wait in its offline queue: just drop it then.
    if (this.redis.status !== 'ready') return this.redis.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function cachedLimiter(map: Map<string, RateLimiterAbstract>, id: string, make: () => RateLimiterAbstract): RateLimiterAbstract {
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
    throw new PolymathError('unavailable', 'Shared state (Redis) is unreachable; retry shortly.', { cause: err, retryAfter: 1 });
  }
}
