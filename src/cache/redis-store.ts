/**
 * The cache store on Redis, shared by every instance with the same prefix. Each answer is a string
 * key with a TTL (`<prefix>e:<hash>`); a sorted set (`<prefix>lru`, score = a use counter, `<prefix>clock`) and a hash of
 * sizes (`<prefix>size`) with a byte counter (`<prefix>bytes`) keep our own LRU bound in entries
 * and bytes, so the bound holds whatever Redis's maxmemory policy is. Each operation is one Lua
 * script, atomic across instances. Entries that expire unread stay counted until the LRU pops
 * them (they are the oldest, so they go first). Single-node Redis: the scripts touch evicted keys
 * they were not given, which Redis Cluster does not allow.
 */
import { Redis } from 'ioredis';
import type { CacheStore, StoreBounds } from './store.js';

const GET = `
local v = redis.call('GET', KEYS[1])
if v then
  redis.call('ZADD', KEYS[2], 'XX', redis.call('INCR', KEYS[5]), KEYS[1])
  return v
end
local b = redis.call('HGET', KEYS[3], KEYS[1])
if b then
  redis.call('HDEL', KEYS[3], KEYS[1])
  redis.call('ZREM', KEYS[2], KEYS[1])
  redis.call('DECRBY', KEYS[4], b)
end
return false`;

const SET = `
local old = redis.call('HGET', KEYS[3], KEYS[1])
if old then redis.call('DECRBY', KEYS[4], old) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[5]), KEYS[1])
redis.call('HSET', KEYS[3], KEYS[1], ARGV[5])
local total = redis.call('INCRBY', KEYS[4], ARGV[5])
local count = redis.call('ZCARD', KEYS[2])
local evicted = 0
while count > 1 and (count > tonumber(ARGV[3]) or total > tonumber(ARGV[4])) do
  local oldest = redis.call('ZPOPMIN', KEYS[2])
  local k = oldest[1]
  local b = redis.call('HGET', KEYS[3], k)
  redis.call('HDEL', KEYS[3], k)
  redis.call('DEL', k)
  if b then total = redis.call('DECRBY', KEYS[4], b) end
  count = count - 1
  evicted = evicted + 1
end
return evicted`;

const DELETE = `
local b = redis.call('HGET', KEYS[3], KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], KEYS[1])
if b then
  redis.call('HDEL', KEYS[3], KEYS[1])
  redis.call('DECRBY', KEYS[4], b)
end
return 1`;

type Scripted = Redis & {
  cacheGet(k: string, lru: string, size: string, bytes: string, clock: string): Promise<string | null>;
  cacheSet(k: string, lru: string, size: string, bytes: string, clock: string, value: string, ttl: number, maxEntries: number, maxBytes: number, entryBytes: number): Promise<number>;
  cacheDelete(k: string, lru: string, size: string, bytes: string): Promise<number>;
};

export interface RedisStoreOptions extends StoreBounds {
  url: string;
  prefix: string;
  /** deadline of one command */
  timeoutMs: number;
}

export class RedisStore implements CacheStore {
  private readonly redis: Scripted;
  private readonly lru: string;
  private readonly sizes: string;
  private readonly bytes: string;
  /** a counter that orders uses across instances (clock time would tie within a millisecond) */
  private readonly clock: string;

  constructor(private readonly opts: RedisStoreOptions) {
    const redis = new Redis(opts.url, {
      commandTimeout: opts.timeoutMs,
      connectTimeout: Math.max(1_000, opts.timeoutMs),
      maxRetriesPerRequest: 1,
      // A cache that is down is a miss at once, not a queue of commands waiting for it.
      enableOfflineQueue: false,
      lazyConnect: false,
    });
    redis.on('error', () => {
      // Reported by the failed commands (each one a miss); ioredis reconnects by itself.
    });
    redis.defineCommand('cacheGet', { numberOfKeys: 5, lua: GET });
    redis.defineCommand('cacheSet', { numberOfKeys: 5, lua: SET });
    redis.defineCommand('cacheDelete', { numberOfKeys: 4, lua: DELETE });
    this.redis = redis as Scripted;
    this.lru = `${opts.prefix}lru`;
    this.sizes = `${opts.prefix}size`;
    this.bytes = `${opts.prefix}bytes`;
    this.clock = `${opts.prefix}clock`;
  }

  private entry(key: string): string {
    return `${this.opts.prefix}e:${key}`;
  }

  /** Resolves once connected (or rejects), so a caller can tell a Redis that is down at start. */
  async ready(): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Redis not ready within ${this.opts.timeoutMs * 4} ms`)), this.opts.timeoutMs * 4);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async get(key: string): Promise<string | undefined> {
    const v = await this.redis.cacheGet(this.entry(key), this.lru, this.sizes, this.bytes, this.clock);
    return v ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const size = Buffer.byteLength(key) + Buffer.byteLength(value);
    if (size > this.opts.maxBytes) return;
    await this.redis.cacheSet(this.entry(key), this.lru, this.sizes, this.bytes, this.clock, value, ttlMs, this.opts.maxEntries, this.opts.maxBytes, size);
  }

  async delete(key: string): Promise<void> {
    await this.redis.cacheDelete(this.entry(key), this.lru, this.sizes, this.bytes);
  }

  async keys(limit: number): Promise<string[]> {
    const full = await this.redis.zrange(this.lru, -limit, -1);
    const skip = `${this.opts.prefix}e:`.length;
    return full.map((k) => k.slice(skip));
  }

  async peek(keys: string[]): Promise<Array<string | undefined>> {
    if (keys.length === 0) return [];
    const values = await this.redis.mget(keys.map((k) => this.entry(k)));
    return values.map((v) => v ?? undefined);
  }

  /** Entries and bytes as accounted (for tests and the admin view). */
  async usage(): Promise<{ entries: number; bytes: number }> {
    const [entries, bytes] = await Promise.all([this.redis.zcard(this.lru), this.redis.get(this.bytes)]);
    return { entries, bytes: Number(bytes ?? 0) };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
