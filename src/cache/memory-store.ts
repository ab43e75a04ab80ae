/**
 * The in-process cache store: a Map kept in least-recently-used order, bounded in entries and in
 * bytes (UTF-16 length x 2 of key and value, an honest upper bound for what V8 holds), with a TTL
 * per entry checked on read.
 */
import type { CacheStore, StoreBounds } from './store.js';

interface Entry {
  value: string;
  bytes: number;
  expiresAt: number;
}

export class MemoryStore implements CacheStore {
  private readonly map = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly bounds: StoreBounds) {}

  get size(): number {
    return this.map.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  async get(key: string): Promise<string | undefined> {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    if (e.expiresAt <= Date.now()) {
      this.bytes -= e.bytes;
      return undefined;
    }
    this.map.set(key, e);
    return e.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const bytes = (key.length + value.length) * 2;
    if (bytes > this.bounds.maxBytes) return;
    await this.delete(key);
    this.map.set(key, { value, bytes, expiresAt: Date.now() + ttlMs });
    this.bytes += bytes;
    for (const [oldest, e] of this.map) {
      if (this.map.size <= this.bounds.maxEntries && this.bytes <= this.bounds.maxBytes) break;
      this.map.delete(oldest);
      this.bytes -= e.bytes;
    }
  }

  async delete(key: string): Promise<void> {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    this.bytes -= e.bytes;
  }

  async keys(limit: number): Promise<string[]> {
    return [...this.map.keys()].slice(-limit);
  }

  async close(): Promise<void> {
    this.map.clear();
    this.bytes = 0;
  }
}
