/** POST /v1/chat/completions: JSON or SSE, the upstream's bytes passed through. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toPolymathError } from '../../errors.js';
import type { ChatChunk, ChatRequest, StreamEvent, Usage } from '../../providers/types.js';
import type { OpenStream, Outcome } from '../../routing/index.js';
import type { Runtime } from '../../runtime.js';
import type { Metering } from '../../usage/meter.js';
import { errorBody, statusOf } from '../errors.js';
import { countUsage, countUsageNow } from '../../usage/count-tokens.js';
import { saveAnswer } from '../cache-stage.js';
import { formatCost } from '../pipeline.js';
import { clientSignal, meterOf, outcomeHeaders, stageHeaders } from '../request-context.js';
import { chunkData, SSE_HEADERS, writeData } from '../sse.js';
import { validateChat } from '../validate.js';

/** the most streamed text kept for counting tokens, in characters */
const MAX_COUNTED_CHARS = 1_000_000;

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
    const meter = meterOf(rt, request, 'chat', req.stream === true);
    try {
      const plan = rt.router.resolve(opts.model ?? req.model);
      meter.route = plan.route ?? null;
      const run = { signal: clientSignal(reply), requestId: request.id, meta: { headers: request.headers, body: req } };
      if (req.stream === true) {
        // Usage is always asked of the upstream, to meter the stream; the client sees it only if it asked.
        const clientAsked = req.stream_options?.include_usage === true;
        const upstreamReq = clientAsked ? req : { ...req, stream_options: { ...req.stream_options, include_usage: true } };
        const opened = await rt.executor.stream(plan, upstreamReq, run);
        opts.onOutcome?.(request, opened);
        return await pipeStream(request, reply, opened, meter, req, clientAsked, opts.tapStream?.(request));
      }
      const out = await rt.executor.chat(plan, req, run);
      opts.onOutcome?.(request, out);
      describe(meter, out);
      meter.usage = withHedge(out.value.body.usage, out.hedgeUsage);
      // The answer goes out first; recording it is not the client's wait.
      const body = out.value.raw ?? JSON.stringify(out.value.body);
      // One object, one reply.headers(): the same headers in the same order, built once.
      const headers = outcomeHeaders(out, plan.route);
      headers['x-polymath-cost-usd'] = formatCost(meter.costUsd());
      headers['content-type'] = 'application/json';
      reply.headers(headers).send(body);
      meter.end(200);
      saveAnswer(request, body, meter);
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
async function pipeStream(
  request: FastifyRequest,
  reply: FastifyReply,
  out: Outcome<OpenStream>,
  meter: Metering,
  req: ChatRequest,
  clientAsked: boolean,
  tap: StreamTap | undefined,
): Promise<void> {
  describe(meter, out);
  const res = reply.raw;
  reply.hijack();
  // The cost is known at the end: it goes out as an HTTP trailer (and into the request record).
  res.writeHead(200, { ...stageHeaders(reply), ...SSE_HEADERS, trailer: 'x-polymath-cost-usd', 'x-request-id': request.id, ...outcomeHeaders(out, meter.route ?? undefined) });
  let reported = false;
  // The text sent, for counting tokens when the upstream reports none (bounded: past it, 4 characters a token).
  let text = '';
  let extraChars = 0;
  const send = async (event: StreamEvent) => {
    meter.firstToken();
    if (event.chunk.usage) {
      reported = true;
      meter.usage = withHedge(event.chunk.usage, out.hedgeUsage);
      if (!clientAsked && event.chunk.choices.length === 0) return;
    }
    if (!reported) {
      for (const c of event.chunk.choices) {
        const d = c.delta as { content?: unknown } | undefined;
        if (typeof d?.content !== 'string') continue;
        if (text.length < MAX_COUNTED_CHARS) text += d.content;
        else extraChars += d.content.length;
      }
    }
    const data = clientAsked ? chunkData(event) : withoutNullUsage(event);
    tap?.seen(data, event.chunk);
    await writeData(res, data);
  };
  const counted = async (now = false) => {
    if (reported) return;
    const u = now ? countUsageNow(req, text) : await countUsage(req, text);
    u.completion_tokens += Math.ceil(extraChars / 4);
    u.total_tokens = u.prompt_tokens + u.completion_tokens;
    meter.usage = withHedge(u, out.hedgeUsage);
  };
  try {
    for (const event of out.value.head) await send(event);
    for (;;) {
      const next = await out.value.rest.next();
      if (next.done) break;
      await send(next.value);
    }
    await counted();
    const last = tap?.last();
    if (last !== undefined) await writeData(res, last);
    res.addTrailers({ 'x-polymath-cost-usd': formatCost(meter.costUsd()) });
    res.end('data: [DONE]\n\n');
    meter.end(200);
  } catch (err) {
    const pe = toPolymathError(err, 'upstream_error');
    // The tokens a failed stream spent count too (at once: its record should not wait for the tokenizer).
    await counted(true);
    if (pe.kind !== 'client_closed' && !res.destroyed) {
      await writeData(res, JSON.stringify(errorBody(pe)));
      res.addTrailers({ 'x-polymath-cost-usd': formatCost(meter.costUsd()) });
      res.end();
    }
    meter.end(pe.kind === 'client_closed' ? 499 : statusOf(pe), pe);
  } finally {
    await out.value.rest.return?.();
  }
}

const NULL_USAGE = ',"usage":null}';

/**
 * A chunk as the client would have had it without include_usage: OpenAI then adds `"usage":null`
 * as the last field of every chunk, which is cut from the upstream's bytes (no re-serialization).
 */
function withoutNullUsage(event: StreamEvent): string {
  const raw = event.raw;
  if (raw !== undefined && !raw.includes('\n')) return raw.endsWith(NULL_USAGE) ? `${raw.slice(0, -NULL_USAGE.length)}}` : raw;
  if (event.chunk.usage === null) {
    const { usage: _usage, ...rest } = event.chunk;
    return JSON.stringify(rest);
  }
  return JSON.stringify(event.chunk);
}
