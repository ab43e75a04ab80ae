/**
 * The one place the request path's stages run (auth → limits → cache → the route → meter), for
 * every `/v1/*` route, present or added later, without the route doing anything. A stage is a
 * function over the request's context; it may answer early by throwing a PolymathError (401,
 * 403, 429) or by sending a reply itself (a cache hit), which ends the request there.
 *
 * Stages of phase `request` run before the body is read (auth: an unauthenticated request's body
 * is never parsed); stages of phase `handler` run with the parsed body, just before the route.
 * Each POST outside /v1/admin/* gets a meter before the `handler` stages run; it is ended (and its
 * budget reservation settled) when the response closes, if the route did not end it. A route
 * that answers from a provider fills the meter (provider, model, usage) and sends `costHeader`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Abort } from '../abort.js';
import { PolymathError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { ApiKey } from '../usage/keys.js';
import type { Metering } from '../usage/meter.js';

export interface RequestContext {
  /** the API key the request came with; null when anonymous (auth off) or admin */
  key: ApiKey | null;
  /** the request came with the admin key */
  admin: boolean;
  /** the request's meter (every POST outside /v1/admin/*), null otherwise */
  meter: Metering | null;
  /** aborts when the client goes away before the response is finished (made by `clientSignal`) */
  clientAbort: Abort | null;
}

export interface RequestStage {
  name: string;
  phase: 'request' | 'handler';
  /** returns (or resolves) when the request may go on; throws to answer with an error */
  run(ctx: RequestContext, request: FastifyRequest, reply: FastifyReply): void | Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** the request path's context, on every /v1/* request */
    polymath: RequestContext | null;
  }
}

type Done = (err?: Error) => void;

export function usePipeline(app: FastifyInstance, rt: Runtime, stages: RequestStage[]): void {
  const early = stages.filter((s) => s.phase === 'request');
  const late = stages.filter((s) => s.phase === 'handler');
  app.decorateRequest('polymath', null);

  app.addHook('onRequest', (request, reply, done) => {
    if (!request.url.startsWith('/v1/')) return done();
    const ctx: RequestContext = { key: null, admin: false, meter: null, clientAbort: null };
    request.polymath = ctx;
    // The request path's one `close` listener: the meter's net and the client's abort.
    reply.raw.once('close', () => responseClosed(ctx, reply));
    runStages(early, 0, ctx, request, reply, done);
  });

  app.addHook('preHandler', (request, reply, done) => {
    const ctx = request.polymath;
    if (!ctx) return done();
    if (request.method === 'POST' && !request.url.startsWith('/v1/admin/')) {
      const meter = rt.meter.start(request.id, endpointOf(request), false);
      meter.key = ctx.key;
      meter.user = userOf(request);
      ctx.meter = meter;
    }
    runStages(late, 0, ctx, request, reply, done);
  });
}

/**
 * The response closed (finished, or the client left). Ends a meter the route did not take over,
 * and aborts the calls made for a client that left before the response was finished.
 */
function responseClosed(ctx: RequestContext, reply: FastifyReply): void {
  const meter = ctx.meter;
  if (meter && !meter.isEnded) {
    if (!meter.claimed) endUnclaimed(meter, reply);
    // The route ends it, with what it knows (the error, a stream's tokens); this is only a net.
    else setTimeout(() => endUnclaimed(meter, reply), CLAIMED_GRACE_MS).unref();
  }
  if (ctx.clientAbort && !reply.raw.writableFinished) ctx.clientAbort.abort(new PolymathError('client_closed', 'the client closed the request'));
}

/** How long after the response closed a route may still end the meter it took over. */
const CLAIMED_GRACE_MS = 60_000;

function endUnclaimed(meter: Metering, reply: FastifyReply): void {
  if (meter.isEnded) return;
  if (reply.raw.writableFinished) meter.end(reply.raw.statusCode);
  else meter.end(499, new PolymathError('client_closed', 'the client closed the request'));
}

/** Runs stages in order; synchronous ones without a promise's cost. */
function runStages(stages: RequestStage[], from: number, ctx: RequestContext, request: FastifyRequest, reply: FastifyReply, done: Done): void {
  for (let i = from; i < stages.length; i++) {
    let pending: void | Promise<void>;
    try {
      pending = stages[i].run(ctx, request, reply);
    } catch (err) {
      return done(err as PolymathError);
    }
    if (reply.sent) return; // the stage answered
    if (pending) {
      pending.then(
        () => (reply.sent ? undefined : runStages(stages, i + 1, ctx, request, reply, done)),
        (err: Error) => done(err),
      );
      return;
    }
  }
  done();
}

/** `x-polymath-cost-usd` for a reply: what the request cost so far. */
export function costHeader(meter: Metering): Record<string, string> {
  return { 'x-polymath-cost-usd': formatCost(meter.costUsd()) };
}

/** USD with up to nine decimals, never in exponent form. */
export function formatCost(usd: number): string {
  return usd.toFixed(9).replace(/\.?0+$/, '') || '0';
}

const ENDPOINTS: Record<string, string> = { '/v1/chat/completions': 'chat', '/v1/embeddings': 'embeddings', '/v1/completions': 'completions' };

/** chat | embeddings | content | the first path segment after /v1/ (learners, quizzes, …). */
function endpointOf(request: FastifyRequest): string {
  const url = request.routeOptions.url ?? request.url;
  const known = ENDPOINTS[url];
  if (known) return known;
  const rest = url.slice(4);
  const slash = rest.indexOf('/');
  return slash === -1 ? rest : rest.slice(0, slash);
}

const MAX_USER = 256;

/** The body's `user`, else the learner the path or body names. */
function userOf(request: FastifyRequest): string | null {
  const body = request.body as { user?: unknown; learner_id?: unknown } | null | undefined;
  const user = body && typeof body === 'object' ? (typeof body.user === 'string' ? body.user : body.learner_id) : undefined;
  if (typeof user === 'string' && user.length > 0) return user.slice(0, MAX_USER);
  const params = request.params as { learner_id?: unknown; id?: unknown } | undefined;
  const learner = params?.learner_id ?? (request.url.startsWith('/v1/learners/') ? params?.id : undefined);
  return typeof learner === 'string' ? learner.slice(0, MAX_USER) : null;
}
