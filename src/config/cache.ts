/** The `cache:` section of polymath.yaml: exact and semantic response cache, in memory or Redis. */
import { z } from 'zod';

/**
 * When a route's requests are cached exactly:
 * - `deterministic`: chat and content generated at temperature 0 (the request's, or for content
 *   the kind's default), and every embeddings request
 * - `always`: every request but a chat stream (the same question gets the same answer: what a
 *   learning app wants for lessons asked again)
 * - `off`: never (`x-polymath-cache: bypass`)
 */
export const cacheModeSchema = z.enum(['deterministic', 'always', 'off']);

export const cacheSchema = z
  .object({
    enabled: z.boolean().default(true),
    /**
     * `memory://` (per process) or `redis://host:port/db` (shared by every instance using it);
     * unset: where `state.url` points (memory by default)
     */
    url: z.string().regex(/^(memory|rediss?):\/\//, 'the cache url is memory:// or redis://…').optional(),
    /** Redis key prefix; instances sharing one prefix share one cache (unset: `state.prefix` + `cache:`) */
    prefix: z.string().min(1).max(100).optional(),
    /** how long an answer is served from the cache */
    ttl_ms: z.number().int().positive().default(24 * 3_600_000),
    /** the most entries kept; the least recently used go first */
    max_entries: z.number().int().positive().default(10_000),
    /** the most bytes of answers kept */
    max_bytes: z.number().int().positive().default(256 * 1024 * 1024),
    /** the mode of every route not named in `routes` */
    mode: cacheModeSchema.default('deterministic'),
    /** per route (or `provider/model`) mode */
    routes: z.record(z.string().min(1), cacheModeSchema).default({}),
    /** deadline of one Redis call; a slow cache is a miss, never a slow answer */
    timeout_ms: z.number().int().positive().default(250),
    semantic: z
      .object({
        /** content requests whose topic is close enough to a cached one's are answered from it */
        enabled: z.boolean().default(true),
        /** cosine similarity at or above which two topics count as the same */
        threshold: z.number().min(0).max(1).default(0.92),
        /**
         * A route or `provider/model` whose embeddings place topics (the content route's own
         * embeddings model, say); unset: a local hashed character-n-gram embedding, no call made.
         */
        embedding_model: z.string().min(1).optional(),
        /** dimensions of the local embedding */
        dimensions: z.number().int().min(16).max(4096).default(256),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export type CacheConfig = z.infer<typeof cacheSchema>;
export type CacheMode = z.infer<typeof cacheModeSchema>;
