/** POST /v1/chat/completions: JSON or SSE, the upstream's bytes passed through. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PolymathError, toPolymathError } from '../../errors.js';
import type { ChatRequest, StreamEvent } from '../../providers/types.js';
import type { OpenStream, Outcome } from '../../routing/index.js';
import type { Runtime } from '../../runtime.js';
import type { Metering } from '../../usage/meter.js';
import { errorBody, statusOf } from '../errors.js';
import { clientSignal, outcomeHeaders } from '../request-context.js';
import { chunkData, SSE_HEADERS, writeData } from '../sse.js';
import { validateChat } from '../validate.js';

export function chatRoutes(app: FastifyInstance, rt: Runtime): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    const req = validateChat(request.body);
    const meter = rt.meter.start(request.id, 'chat', req.stream === true);
    try {
      const plan = rt.router.resolve(req.model);
      meter.route = plan.route ?? null;
      const run = { signal: clientSignal(reply), requestId: request.id };
      if (req.stream === true) {
        const opened = await rt.executor.stream(plan, req, run);
        return await pipeStream(request, reply, opened, meter);
      }
      const out = await rt.executor.chat(plan, req, run);
      describe(meter, out);
      meter.usage = out.value.body.usage;
      meter.end(200);
      return reply.headers(outcomeHeaders(out, plan.route)).header('content-type', 'application/json').send(out.value.raw ?? JSON.stringify(out.value.body));
    } catch (err) {
      const pe = toPolymathError(err);
      meter.end(statusOf(pe), pe);
      throw pe;
    }
  });
}

function describe(meter: Metering, out: Outcome<unknown>): void {
  meter.provider = out.target.provider.id;
  meter.model = out.target.model;
  meter.attempts = out.attempts;
}

/**
 * Sends a stream that has produced content. From here a failure cannot move to another target:
 * it ends the stream with an SSE error event and no [DONE], and is recorded as a failure. A
 * stream that ends without a finish reason is such a failure too.
 */
async function pipeStream(request: FastifyRequest, reply: FastifyReply, out: Outcome<OpenStream>, meter: Metering): Promise<void> {
  describe(meter, out);
  const res = reply.raw;
  reply.hijack();
  res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': request.id, ...outcomeHeaders(out, meter.route ?? undefined) });
  let finished = false;
  const send = async (event: StreamEvent) => {
    meter.firstToken();
    if (event.chunk.usage) meter.usage = event.chunk.usage;
    if (event.chunk.choices?.some((c) => c.finish_reason != null)) finished = true;
    await writeData(res, chunkData(event));
  };
  try {
    for (const event of out.value.head) await send(event);
    for (;;) {
      const next = await out.value.rest.next();
      if (next.done) break;
      await send(next.value);
    }
    if (!finished) throw new PolymathError('upstream_error', `${out.target.provider.id} ended the stream without a finish reason`, { provider: out.target.provider.id });
    res.end('data: [DONE]\n\n');
    meter.end(200);
  } catch (err) {
    const pe = toPolymathError(err, 'upstream_error');
    if (pe.kind !== 'client_closed' && !res.destroyed) {
      await writeData(res, JSON.stringify(errorBody(pe)));
      res.end();
    }
    meter.end(pe.kind === 'client_closed' ? 499 : statusOf(pe), pe);
  } finally {
    await out.value.rest.return?.();
  }
}
