/**
 * The limits stage: a key limited to some routes gets 403 elsewhere; then its requests per
 * minute, tokens per minute (the request's estimate) and budget (the request's estimated cost,
 * reserved) are taken, in that order. The request's meter settles tokens and budget to the real
 * numbers when it ends. Requests without a key (auth off) or with the admin key are not limited.
 */
import type { FastifyReply } from 'fastify';
import { PolymathError } from '../errors.js';
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

async function take(rt: Runtime, key: ApiKey, meter: Metering, model: string, url: string, body: unknown, reply: FastifyReply): Promise<void> {
  const headers: RateHeaders = {};
  try {
    await rt.limits.request(key, headers);
    if (key.tpm === null && key.budget === null) return;
    const est = estimateTokens(url, body, rt.config.budgets.default_max_tokens);
    meter.tokenHold = await rt.limits.tokens(key, est.promptTokens + est.outputTokens, headers);
    if (key.budget === null) return;
    const plan = planOf(rt, model);
    // An unknown model reserves nothing: the route answers 404 without calling anyone.
    if (plan) meter.reservation = await rt.budgets.reserve(key, estimateCost(est, planPrice(plan, rt.pricing)));
  } finally {
    // Reply headers, not raw ones: written once with the rest (a stream's writeHead takes them from reply.getHeaders()).
    reply.headers(headers);
  }
}

function planOf(rt: Runtime, model: string): Plan | undefined {
  try {
    return rt.router.resolve(model);
  } catch {
    return undefined;
  }
}
