/** POST /v1/chat/completions: JSON or SSE, the upstream's bytes passed through. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toPolymathError } from '../../errors.js';
import type { ChatChunk, StreamEvent, Usage } from '../../providers/types.js';
import type { OpenStream, Outcome } from '../../routing/index.js';
import type { Runtime } from '../../runtime.js';
import type { Metering } from '../../usage/meter.js';
import { errorBody, statusOf } from '../errors.js';
import { clientSignal, outcomeHeaders } from '../request-context.js';
import { chunkData, SSE_HEADERS, writeData } from '../sse.js';
import { validateChat } from '../validate.js';

/** Sees every SSE event a stream writes, and may add one last event before `data: [DONE]`. */
export interface StreamTap {
  /** called with each event's data (the JSON text after `data: `) as it is written */
  seen(data: string, chunk: ChatChunk): void;
  /** the data of one more event, written before `[DONE]` */
  last(): string | undefined;
}

export interface ChatRouteOptions {
  /** the route or model to use instead of the body's `model` (a miner serves through its own route) */
  model?: string;
  /** called with the outcome of each call (which target answered, after how many attempts) */
  onOutcome?(request: FastifyRequest, out: Outcome<unknown>): void;
  /** per stream: sees its events and may sign them (a miner does) */
  tapStream?(request: FastifyRequest): StreamTap | undefined;
}

export function chatRoutes(app: FastifyInstance, rt: Runtime, opts: ChatRouteOptions = {}): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    const req = validateChat(request.body);
    const meter = rt.meter.start(request.id, 'chat', req.stream === true);
    try {
      const plan = rt.router.resolve(opts.model ?? req.model);
      meter.route = plan.route ?? null;
      const run = { signal: clientSignal(reply), requestId: request.id, meta: { headers: request.headers, body: req } };
      if (req.stream === true) {
        const opened = await rt.executor.stream(plan, req, run);
        opts.onOutcome?.(request, opened);
        return await pipeStream(request, reply, opened, meter, opts.tapStream?.(request));
      }
      const out = await rt.executor.chat(plan, req, run);
      opts.onOutcome?.(request, out);
      describe(meter, out);
      meter.usage = withHedge(out.value.body.usage, out.hedgeUsage);
      // The answer goes out first; recording it is not the client's wait.
      reply.headers(outcomeHeaders(out, plan.route)).header('content-type', 'application/json').send(out.value.raw ?? JSON.stringify(out.value.body));
      meter.end(200);
      return reply;
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

/** The tokens to meter: the answer's, plus what a hedge's aborted call spent. */
function withHedge(usage: Usage | undefined, hedge: Usage | undefined): Usage | undefined {
  if (!hedge) return usage;
  return {
    prompt_tokens: (usage?.prompt_tokens ?? 0) + hedge.prompt_tokens,
    completion_tokens: (usage?.completion_tokens ?? 0) + hedge.completion_tokens,
    total_tokens: (usage?.total_tokens ?? 0) + hedge.total_tokens,
  };
}

/**
 * Sends a stream that has produced content. From here a failure cannot move to another target:
 * it ends the stream with an SSE error event and no [DONE], and is recorded as a failure. A
 * stream that ends without a finish reason is such a failure too (the executor's stream throws it).
 */
async function pipeStream(request: FastifyRequest, reply: FastifyReply, out: Outcome<OpenStream>, meter: Metering, tap: StreamTap | undefined): Promise<void> {
  describe(meter, out);
  const res = reply.raw;
  reply.hijack();
  res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': request.id, ...outcomeHeaders(out, meter.route ?? undefined) });
  if (out.hedgeUsage) meter.usage = out.hedgeUsage;
  const send = async (event: StreamEvent) => {
    meter.firstToken();
    if (event.chunk.usage) meter.usage = withHedge(event.chunk.usage, out.hedgeUsage);
    const data = chunkData(event);
    tap?.seen(data, event.chunk);
    await writeData(res, data);
  };
  try {
    for (const event of out.value.head) await send(event);
    for (;;) {
      const next = await out.value.rest.next();
      if (next.done) break;
      await send(next.value);
    }
    const last = tap?.last();
    if (last !== undefined) await writeData(res, last);
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
