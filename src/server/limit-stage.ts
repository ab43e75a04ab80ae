/**
 * The limits stage: a key limited to some routes gets 403 elsewhere; then its requests per
 * minute, tokens per minute (the request's estimate) and budget (the request's estimated cost,
 * reserved) are taken, in that order. The request's meter settles tokens and budget to the real
 * numbers when it ends. Requests without a key (auth off) or with the admin key are not limited.
 */
import type { FastifyReply } from 'fastify';
import { PolymathError } from '../errors.js';
import { andThen, type Maybe } from '../maybe.js';
import type { Plan } from '../routing/index.js';
import type { Runtime } from '../runtime.js';
import { estimateCost, estimateTokens, planPrice } from '../usage/estimate.js';
import type { ApiKey } from '../usage/keys.js';
import type { RateHeaders } from '../usage/limits.js';
import type { Metering } from '../usage/meter.js';
import type { RequestStage } from './pipeline.js';

export function limitStage(rt: Runtime): RequestStage {
  return {
    name: 'limits',
    phase: 'handler',
    run(ctx, request, reply) {
      const key = ctx.key;
      const meter = ctx.meter;
      if (!key || !meter) return;
      const body = request.body as { model?: unknown } | null | undefined;
      const model = body && typeof body === 'object' && typeof body.model === 'string' ? body.model : 'default';
      if (key.routes && !key.routes.has(model)) {
        throw new PolymathError('forbidden', `This API key may call only the routes ${[...key.routes].join(', ')}; "${model}" is not one of them.`, { param: 'model', code: 'route_not_allowed' });
      }
      if (key.rpm === null && key.tpm === null && key.budget === null) return;
      return take(rt, key, meter, model, request.url, body, reply);
    },
  };
}

/**
 * rpm, then tpm, then budget. In memory each step answers at once and the stage ends in the same
 * turn; on Redis they are one chain of the stores' own promises (no async layer per step: it runs
 * on every request). The headers go on the reply whether the request may go on or not.
 */
function take(rt: Runtime, key: ApiKey, meter: Metering, model: string, url: string, body: unknown, reply: FastifyReply): Maybe<void> {
  const headers: RateHeaders = {};
  // Reply headers, not raw ones: written once with the rest (a stream's writeHead takes them from reply.getHeaders()).
  const write = () => void reply.headers(headers);
  let taken: Maybe<void>;
  try {
    taken = andThen(rt.limits.request(key, headers), () => (key.tpm !== null || key.budget !== null ? tokensAndBudget(rt, key, meter, model, url, body, headers) : undefined));
  } catch (err) {
    write();
    throw err;
  }
  if (taken instanceof Promise) return taken.finally(write);
  write();
}

function tokensAndBudget(rt: Runtime, key: ApiKey, meter: Metering, model: string, url: string, body: unknown, headers: RateHeaders): Maybe<void> {
  const est = estimateTokens(url, body, rt.config.budgets.default_max_tokens);
  return andThen(rt.limits.tokens(key, est.promptTokens + est.outputTokens, headers), (hold) => {
    meter.tokenHold = hold;
    if (key.budget === null) return;
    const plan = planOf(rt, model);
    // An unknown model reserves nothing: the route answers 404 without calling anyone.
    if (!plan) return;
    return andThen(rt.budgets.reserve(key, estimateCost(est, planPrice(plan, rt.pricing))), (r) => {
      meter.reservation = r;
    });
  });
}

function planOf(rt: Runtime, model: string): Plan | undefined {
  try {
    return rt.router.resolve(model);
  } catch {
    return undefined;
  }
}
