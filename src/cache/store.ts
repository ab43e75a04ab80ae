/** Where cached answers live: a bounded LRU in memory, or Redis shared by every instance. */
export interface CacheStore {
  /** the value, and marks it recently used; undefined when absent or expired */
  get(key: string): Promise<string | undefined>;
  /** stores a value for `ttlMs`, evicting the least recently used past the bounds */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** keys of every live entry, newest last, at most `limit` (to rebuild a semantic index on start) */
  keys(limit: number): Promise<string[]>;
  /** values of several keys without marking them used (to rebuild the semantic index); shared stores only */
  peek?(keys: string[]): Promise<Array<string | undefined>>;
  /** resolves once the store can answer (connected); rejects when it cannot at start */
  ready?(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreBounds {
  maxEntries: number;
  maxBytes: number;
}
