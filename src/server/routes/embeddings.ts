/** POST /v1/embeddings. */
import type { FastifyInstance } from 'fastify';
import { toPolymathError } from '../../errors.js';
import type { Runtime } from '../../runtime.js';
import { statusOf } from '../errors.js';
import { saveAnswer } from '../cache-stage.js';
import { clientSignal, meterOf, outcomeHeaders } from '../request-context.js';
import { costHeader } from '../pipeline.js';
import { validateEmbed } from '../validate.js';

export function embeddingRoutes(app: FastifyInstance, rt: Runtime): void {
  app.post('/v1/embeddings', async (request, reply) => {
    const req = validateEmbed(request.body);
    const meter = meterOf(rt, request, 'embeddings', false);
    try {
      const plan = rt.router.resolve(req.model);
      meter.route = plan.route ?? null;
      const out = await rt.executor.embed(plan, req, { signal: clientSignal(reply), requestId: request.id, meta: { headers: request.headers, body: req } });
      meter.provider = out.target.provider.id;
      meter.model = out.target.model;
      meter.attempts = out.attempts;
      const usage = out.value.body.usage;
      const hedged = out.hedgeUsage?.prompt_tokens ?? 0;
      meter.usage = { prompt_tokens: (usage?.prompt_tokens ?? 0) + hedged, completion_tokens: 0, total_tokens: (usage?.total_tokens ?? 0) + hedged };
      meter.end(200);
      const body = out.value.raw ?? JSON.stringify(out.value.body);
      saveAnswer(request, body, meter);
      return reply.headers(outcomeHeaders(out, plan.route)).headers(costHeader(meter)).header('content-type', 'application/json').send(body);
    } catch (err) {
      const pe = toPolymathError(err);
      meter.end(statusOf(pe), pe);
      throw pe;
    }
  });
}
