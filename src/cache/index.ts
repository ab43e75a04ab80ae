export { BYPASS, ResponseCache, type CacheStatus, type CachedAnswer, type Probe, type Embedder, type RequestCacheOptions } from './response-cache.js';
export { type Namespace } from './key.js';
export { localEmbedding } from './local-embedding.js';
export { MemoryStore } from './memory-store.js';
export { RedisStore } from './redis-store.js';
export { SemanticIndex } from './semantic-index.js';
export type { CacheStore } from './store.js';
