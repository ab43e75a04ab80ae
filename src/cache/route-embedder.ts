/** An Embedder that asks a configured route or `provider/model` for embeddings, through the executor. */
import type { Runtime } from '../runtime.js';
import type { Embedder } from './response-cache.js';

/** Deadline of one embeddings call made for the cache: past it the lookup is a miss. */
const EMBED_TIMEOUT_MS = 5_000;

export function routeEmbedder(rt: Pick<Runtime, 'router' | 'executor'>, model: string): Embedder {
  return async (text, signal) => {
    const plan = rt.router.resolve(model);
    const run = { signal: AbortSignal.any([signal, AbortSignal.timeout(EMBED_TIMEOUT_MS)]), requestId: 'cache-embedding' };
    const out = await rt.executor.embed(plan, { model, input: text }, run);
    const e = out.value.body.data[0]?.embedding;
    return Array.isArray(e) && e.length > 0 ? Float32Array.from(e) : undefined;
  };
}
