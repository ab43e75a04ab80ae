/**
 * The response cache: decides per request whether it is cached (`hit | miss | bypass`), looks it
 * up (exact, then semantic for content), and saves answers. Lookups never fail a request: a store
 * error or a slow Redis is a miss, logged at most once a minute.
 */
import type { Logger } from 'pino';
import type { CacheConfig, CacheMode } from '../config/cache.js';
import type { Maybe } from '../maybe.js';
import type { Usage } from '../providers/types.js';
import { canonicalJson, hash, namespaceId, normalizeTopic, requestKey, type Namespace } from './key.js';
import { localEmbedding } from './local-embedding.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import { SemanticIndex } from './semantic-index.js';
import type { CacheStore } from './store.js';

export type CacheStatus = 'hit' | 'miss' | 'bypass';

/** What is kept for one answer. */
export interface CachedAnswer {
  /** the response body as sent to the client */
  body: string;
  provider: string;
  model: string;
  usage?: Pick<Usage, 'prompt_tokens' | 'completion_tokens'>;
  /** what the answer cost when it was made: what each hit saves */
  cost_usd?: number;
  created_at: number;
  /** for a content answer found by topic: where and under which topic, to rebuild the semantic index */
  semantic?: { space: string; topic: string };
}

/** One request's cache decision and, on a hit, the answer. */
export interface Probe {
  status: CacheStatus;
  /** set on a hit */
  answer?: CachedAnswer;
  /** how the hit was found */
  match?: 'exact' | 'semantic';
  similarity?: number;
  /** keeps the answer (a miss only; a no-op otherwise); never throws, never waits on the client */
  save(answer: Omit<CachedAnswer, 'created_at' | 'semantic'>): void;
}

/** Embeds a topic for the semantic index; undefined when it cannot (a miss). */
export type Embedder = (text: string, signal: AbortSignal) => Promise<Float32Array | undefined>;

export interface RequestCacheOptions {
  /** the `x-polymath-cache` request header: `use` caches a request its route would not, `bypass` skips the cache */
  header?: string | string[];
  /** `cache-control: no-cache` / `no-store` bypass the cache */
  cacheControl?: string | string[];
}

/** The probe of a request the cache does not read or write. */
export const BYPASS: Probe = Object.freeze({ status: 'bypass', save() {} });
const LOG_EVERY_MS = 60_000;
const REBUILD_BATCH = 200;

export class ResponseCache {
  readonly store: CacheStore;
  readonly semantic: SemanticIndex;
  private readonly embed: Embedder;
  private lastWarned = 0;
  private readonly localEmbedding: boolean;
  /** the semantic index being rebuilt from a shared store at start */
  rebuilding: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly config: CacheConfig,
    private readonly logger: Logger,
    embed?: Embedder,
    store?: CacheStore,
  ) {
    const bounds = { maxEntries: config.max_entries, maxBytes: config.max_bytes };
    const url = config.url ?? 'memory://';
    this.store = store ?? (url.startsWith('memory:') ? new MemoryStore(bounds) : new RedisStore({ ...bounds, url, prefix: config.prefix ?? 'polymath:cache:', timeoutMs: config.timeout_ms }));
    this.semantic = new SemanticIndex(config.max_entries);
    this.embed = embed ?? (async (text) => localEmbedding(text, config.semantic.dimensions));
    this.localEmbedding = embed === undefined;
  }

  /**
   * POST /v1/chat/completions: exact, when the route's mode and the request allow it. A bypass is
   * answered at once, not as a promise: most chat requests are not cached, and the request path
   * then goes on without waiting a turn.
   */
  chat(ns: Namespace, body: { stream?: boolean | null; temperature?: number | null; [field: string]: unknown }, opts: RequestCacheOptions = {}): Maybe<Probe> {
    if (body.stream === true) return BYPASS;
    if (!this.wanted(ns.route, opts, body.temperature === 0)) return BYPASS;
    return this.exact(requestKey(ns, body));
  }

  /** POST /v1/embeddings: the same input embeds the same way, so `deterministic` caches it. */
  embeddings(ns: Namespace, body: object, opts: RequestCacheOptions = {}): Maybe<Probe> {
    if (!this.wanted(ns.route, opts, true)) return BYPASS;
    return this.exact(requestKey(ns, body));
  }

  /**
   * POST /v1/content/{kind}: exact on the normalized request, then, for a topic, the nearest
   * cached topic with the same kind, persona, options and route. `deterministic`: generated at
   * temperature 0 (the request's or the kind's).
   */
  async content(ns: Namespace, req: { topic?: string; text?: string; options?: Record<string, unknown> }, deterministic: boolean, signal: AbortSignal, opts: RequestCacheOptions = {}): Promise<Probe> {
    if (!this.wanted(ns.route, opts, deterministic)) return BYPASS;
    const space = this.semanticSpace(ns, req);
    const topic = req.topic === undefined ? undefined : normalizeTopic(req.topic);
    const key = `${space}:${hash(topic ?? '')}`;
    const byTopic = topic !== undefined && req.text === undefined && this.config.semantic.enabled;
    const probe = await this.exact(key, byTopic ? { space, topic } : undefined);
    if (probe.status === 'hit' || !byTopic) return probe;
    const vector = await this.embed(topic, signal).catch((err: unknown) => this.warn(err, 'could not embed a topic for the semantic cache'));
    if (!vector) return probe;
    const near = this.semantic.nearest(space, vector, this.config.semantic.threshold);
    if (near) {
      const answer = await this.read(near.key);
      if (answer) return { status: 'hit', answer, match: 'semantic', similarity: near.similarity, save() {} };
      this.semantic.forget(space, near.key);
    }
    return {
      status: 'miss',
      save: (answer) => {
        probe.save(answer);
        this.semantic.add(space, vector, key);
      },
    };
  }

  /** Where a content request's topic is looked up: its namespace, text and options (not its deadline). */
  semanticSpace(ns: Namespace, req: { text?: string; options?: Record<string, unknown> }): string {
    const { timeout_ms: _deadline, ...options } = req.options ?? {};
    return `${namespaceId(ns)}:${hash(canonicalJson({ text: req.text, options }))}`;
  }

  /**
   * Waits for the store to connect (a store that cannot is logged, and every lookup is a miss
   * until it can), then rebuilds the semantic index from a shared store in the background.
   */
  async ready(): Promise<void> {
    try {
      await this.store.ready?.();
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'the cache store is not reachable; requests go uncached until it is');
      return;
    }
    this.rebuilding = this.rebuild().catch((err: unknown) => {
      this.warn(err, 'could not rebuild the semantic cache index from the store');
      return 0;
    });
  }

  /**
   * Adds the topics of the store's newest content answers to the semantic index, oldest first, a
   * batch at a time so requests are served meanwhile. Only with the local embedding: re-embedding
   * with a model would call it once per entry.
   */
  private async rebuild(): Promise<number> {
    if (!this.config.semantic.enabled || !this.localEmbedding || !this.store.peek) return 0;
    const keys = await this.store.keys(this.config.max_entries);
    let added = 0;
    for (let i = 0; i < keys.length; i += REBUILD_BATCH) {
      const batch = keys.slice(i, i + REBUILD_BATCH);
      const values = await this.store.peek(batch);
      values.forEach((text, j) => {
        if (text === undefined) return;
        const s = (JSON.parse(text) as CachedAnswer).semantic;
        if (!s) return;
        this.semantic.add(s.space, localEmbedding(s.topic, this.config.semantic.dimensions), batch[j]);
        added++;
      });
      await new Promise((resolve) => setImmediate(resolve));
    }
    return added;
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  /** Whether this request is cached: the header's word first, then the route's mode. */
  private wanted(route: string, opts: RequestCacheOptions, deterministic: boolean): boolean {
    if (!this.config.enabled) return false;
    const header = first(opts.header)?.toLowerCase();
    if (header === 'bypass' || /\bno-(cache|store)\b/i.test(first(opts.cacheControl) ?? '')) return false;
    if (header === 'use') return true;
    const mode: CacheMode = this.config.routes[route] ?? this.config.mode;
    return mode === 'always' || (mode === 'deterministic' && deterministic);
  }

  private async exact(key: string, semantic?: CachedAnswer['semantic']): Promise<Probe> {
    const answer = await this.read(key);
    if (answer) return { status: 'hit', answer, match: 'exact', save() {} };
    return {
      status: 'miss',
      save: (a) => {
        const value = JSON.stringify({ ...a, created_at: Date.now(), ...(semantic ? { semantic } : {}) } satisfies CachedAnswer);
        this.store.set(key, value, this.config.ttl_ms).catch((err: unknown) => this.warn(err, 'could not save to the cache'));
      },
    };
  }

  private async read(key: string): Promise<CachedAnswer | undefined> {
    try {
      const text = await this.store.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as CachedAnswer);
    } catch (err) {
      return this.warn(err, 'cache lookup failed; answering without it');
    }
  }

  private warn(err: unknown, message: string): undefined {
    const now = Date.now();
    if (now - this.lastWarned >= LOG_EVERY_MS) {
      this.lastWarned = now;
      this.logger.warn({ err }, message);
    }
    return undefined;
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
