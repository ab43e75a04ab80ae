/** The cache as the routes use it: the request's cache options and namespace key, and a hit's reply. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Probe, RequestCacheOptions } from '../cache/index.js';
import type { Runtime } from '../runtime.js';
import type { Metering } from '../usage/meter.js';

export function cacheOptions(request: FastifyRequest): RequestCacheOptions {
  return { header: request.headers['x-polymath-cache'], cacheControl: request.headers['cache-control'] };
}

/**
 * The API key the request came with, which namespaces its cache entries; null while the server
 * has no keys (every request shares one namespace per route, kind and persona).
 */
export function cacheKeyOf(request: FastifyRequest): string | null {
  const id = (request as FastifyRequest & { apiKeyId?: unknown }).apiKeyId;
  return typeof id === 'string' ? id : null;
}

/** Counts the decision; on a hit answers with the cached body and meters a request that spent nothing. */
export function answerFromCache(rt: Runtime, endpoint: string, probe: Probe, reply: FastifyReply, meter: Metering, extra: Record<string, string> = {}): FastifyReply | undefined {
  rt.metrics.observeCache(endpoint, probe.status, probe.match ?? '', probe.answer?.cost_usd ?? 0);
  reply.header('x-polymath-cache', probe.status);
  const a = probe.answer;
  if (!a) return undefined;
  meter.provider = a.provider;
  meter.model = a.model;
  meter.usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  reply.headers({
    ...extra,
    'x-polymath-provider': a.provider,
    'x-polymath-model': a.model,
    'x-polymath-attempts': '0',
    'x-polymath-cache-match': probe.match ?? 'exact',
    age: String(Math.max(0, Math.floor((Date.now() - a.created_at) / 1000))),
  });
  reply.header('content-type', 'application/json').send(a.body);
  meter.end(200);
  return reply;
}
