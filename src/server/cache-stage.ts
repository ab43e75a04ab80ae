/**
 * The cache stage, after auth and limits: for chat, embeddings and content it decides hit, miss
 * or bypass (`x-polymath-cache`), answers a hit at once (a content stream as its one `result`
 * event; metered as a request that spent nothing, with what it saved in a header and the metrics),
 * and leaves a miss's probe for the route to fill with `saveAnswer`.
 * Namespaced by the route asked for, the API key, the content kind and the persona.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CachedAnswer, Probe, RequestCacheOptions } from '../cache/index.js';
import { isKind, KINDS, parseContentBody } from '../content/index.js';
import { andThen, type Maybe } from '../maybe.js';
import type { Runtime } from '../runtime.js';
import type { Metering } from '../usage/meter.js';
import { formatCost, type RequestContext, type RequestStage } from './pipeline.js';
import { SSE_HEADERS } from './sse.js';

/** Each miss's probe until its route saves the answer; dropped with the request. */
const probes = new WeakMap<FastifyRequest, Probe>();

export function cacheStage(rt: Runtime): RequestStage {
  return {
    name: 'cache',
    phase: 'handler',
    run(ctx, request, reply) {
      if (request.method !== 'POST') return;
      const url = request.routeOptions.url;
      if (url !== '/v1/chat/completions' && url !== '/v1/embeddings' && url !== '/v1/content/:kind') return;
      const endpoint = url === '/v1/content/:kind' ? 'content' : url === '/v1/chat/completions' ? 'chat' : 'embeddings';
      // A bypass (most requests) is known at once: the stage then ends without a promise.
      return andThen(probeFor(rt, ctx, request, endpoint), (probe) => (probe ? use(rt, ctx, request, reply, endpoint, probe) : undefined));
    },
  };
}

/** Keeps a route's fresh answer for the next same request (a no-op unless the stage saw a miss). */
export function saveAnswer(request: FastifyRequest, body: string, meter: Metering): void {
  const probe = probes.get(request);
  if (!probe || meter.provider === null || meter.model === null) return;
  probes.delete(request);
  const u = meter.usage;
  probe.save({ body, provider: meter.provider, model: meter.model, cost_usd: meter.costUsd(), ...(u ? { usage: { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens } } : {}) });
}

/** Records the probe's outcome on the reply (and the metrics); a hit is answered here. */
function use(rt: Runtime, ctx: RequestContext, request: FastifyRequest, reply: FastifyReply, endpoint: string, probe: Probe): Maybe<void> {
  rt.metrics.observeCache(endpoint, probe.status, probe.match ?? '', probe.answer?.cost_usd ?? 0);
  // A reply header: a stream the route writes itself takes it with stageHeaders(reply).
  reply.header('x-polymath-cache', probe.status);
  if (probe.status === 'miss') probes.set(request, probe);
  if (probe.answer) return answerHit(rt, ctx, request, reply, endpoint, probe as Probe & { answer: CachedAnswer });
}

async function answerHit(rt: Runtime, ctx: RequestContext, request: FastifyRequest, reply: FastifyReply, endpoint: string, probe: Probe & { answer: CachedAnswer }): Promise<void> {
  const a = probe.answer;
  const meter = ctx.meter;
  if (meter) {
    meter.provider = a.provider;
    meter.model = a.model;
    meter.cacheHit = true;
    meter.savedUsd = a.cost_usd ?? 0;
    meter.usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    if (endpoint === 'content') meter.kind = (request.params as { kind: string }).kind;
  }
  const route = routeOf(request);
  if (route !== undefined && rt.config.routes[route]) {
    reply.header('x-polymath-route', route);
    if (meter) meter.route = route;
  }
  reply.headers({
    'x-polymath-provider': a.provider,
    'x-polymath-model': a.model,
    'x-polymath-attempts': '0',
    'x-polymath-cache-match': probe.match ?? 'exact',
    'x-polymath-cache-saved-usd': formatCost(a.cost_usd ?? 0),
    // what the hit itself cost: nothing (the request's meter has no tokens)
    'x-polymath-cost-usd': '0',
    age: String(Math.max(0, Math.floor((Date.now() - a.created_at) / 1000))),
  });
  meter?.end(200);
  if (endpoint === 'content' && (request.body as { stream?: unknown }).stream === true) {
    // A stream asked for: the cached result as its one and last event.
    await reply.headers(SSE_HEADERS).send(`data: {"type":"result",${a.body.slice(1)}\n\n`);
    return;
  }
  await reply.header('content-type', 'application/json').send(a.body);
}

/** The request's probe, or undefined when it is not one the cache reads (a bad body: the route answers it). */
function probeFor(rt: Runtime, ctx: RequestContext, request: FastifyRequest, endpoint: string): Maybe<Probe> | undefined {
  const body = request.body as Record<string, unknown> | null;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const opts: RequestCacheOptions = { header: request.headers['x-polymath-cache'], cacheControl: request.headers['cache-control'] };
  const key = ctx.key?.id ?? null;
  if (endpoint === 'content') {
    const kind = (request.params as { kind?: string }).kind ?? '';
    if (!isKind(kind)) return undefined;
    let req;
    try {
      req = parseContentBody(kind, body);
    } catch {
      return undefined;
    }
    if (!resolves(rt, req.model ?? 'default')) return undefined;
    const deterministic = (req.options?.temperature ?? KINDS[kind].temperature) === 0;
    return rt.cache.content({ route: req.model ?? 'default', key, kind, persona: req.persona }, req, deterministic, AbortSignal.timeout(rt.config.cache.timeout_ms * 20), opts);
  }
  if (typeof body.model !== 'string' || !resolves(rt, body.model)) return undefined;
  if (endpoint === 'chat') {
    if (!Array.isArray(body.messages)) return undefined;
    return rt.cache.chat({ route: body.model, key, kind: 'chat' }, body, opts);
  }
  if (body.input === undefined) return undefined;
  return rt.cache.embeddings({ route: body.model, key, kind: 'embeddings' }, body, opts);
}

function routeOf(request: FastifyRequest): string | undefined {
  const model = (request.body as { model?: unknown }).model;
  if (typeof model === 'string') return model;
  return request.routeOptions.url === '/v1/content/:kind' ? 'default' : undefined;
}

/** An unknown model is the route's 404, never a cache answer. */
function resolves(rt: Runtime, model: string): boolean {
  try {
    rt.router.resolve(model);
    return true;
  } catch {
    return false;
  }
}
