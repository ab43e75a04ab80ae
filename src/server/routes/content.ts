/**
 * The learning-content API.
 *
 * POST /v1/content/{kind}   {topic | text, persona, options, model, stream}
 *   → {kind, content, quality, provider, model, attempts, usage, prompt, route?}
 * POST /v1/content/batch    {items: [{kind, ...same body}], concurrency}
 *   → {object: "list", data: [{index, status: 200, ...result} | {index, status, error: {message, type, param, code}}]}
 *
 * With `stream: true` (explanation, lesson, story, outline) the answer is SSE, one JSON object per
 * `data:` line, each with a `type`:
 *   {"type":"partial","content":{...}}            the object so far, as the first answer streams
 *   {"type":"repair","attempt":2,"errors":[...]}   the answer failed and is being regenerated
 *   {"type":"result", ...the JSON body above}       the validated object and its quality report; last
 *   {"type":"error","error":{message,type,param,code}}  instead of a result, when generation failed; last
 * An error before the first event is a plain JSON error with its status instead.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { generateContent, isKind, KIND_NAMES, parseBatch, parseContentBody, runBatch, type ContentResult, type ProgressEvent } from '../../content/index.js';
import { PolymathError, toPolymathError } from '../../errors.js';
import type { Runtime } from '../../runtime.js';
import type { Metering } from '../../usage/meter.js';
import { errorBody, statusOf } from '../errors.js';
import { clientSignal } from '../request-context.js';
import { SSE_HEADERS, writeData } from '../sse.js';

/** How a miner serves content through its own route and signs what it streams. */
export interface ContentRouteOptions {
  /** the route or model to use instead of the body's `model` */
  model?: string;
  onResult?(request: FastifyRequest, result: ContentResult): void;
  /** per stream: sees each event's data, and may add one last event after the result */
  tapStream?(request: FastifyRequest): { seen(data: string): void; last(): string | undefined } | undefined;
}

export function contentRoutes(app: FastifyInstance, rt: Runtime, opts: ContentRouteOptions = {}): void {
  app.post('/v1/content/batch', async (request, reply) => {
    const batch = parseBatch(request.body);
    const outcomes = await runBatch(rt, batch, {
      signal: clientSignal(reply).signal,
      requestId: request.id,
      onItem: (o) => {
        const meter = rt.meter.start(`${request.id}:${o.index}`, 'content', false);
        if (o.ok) {
          describe(meter, o.result);
          meter.end(200);
        } else meter.end(statusOf(o.error), o.error);
      },
    });
    const data = outcomes.map((o) => (o.ok ? { index: o.index, status: 200, ...o.result } : { index: o.index, status: statusOf(o.error), ...errorBody(o.error) }));
    return reply.header('content-type', 'application/json').send(JSON.stringify({ object: 'list', data }));
  });

  app.post<{ Params: { kind: string } }>('/v1/content/:kind', async (request, reply) => {
    const { kind } = request.params;
    if (!isKind(kind)) {
      throw new PolymathError('not_found', `Unknown content kind "${kind}". Kinds: ${KIND_NAMES.join(', ')}.`, { code: 'unknown_kind' });
    }
    const req = parseContentBody(kind, request.body);
    if (opts.model !== undefined) req.model = opts.model;
    const meter = rt.meter.start(request.id, 'content', req.stream === true);
    if (req.stream) return streamContent(rt, request, reply, req, meter, opts);
    try {
      const result = await generateContent(rt, req, { signal: clientSignal(reply).signal, requestId: request.id });
      opts.onResult?.(request, result);
      describe(meter, result);
      meter.end(200);
      return reply.headers(resultHeaders(result)).header('content-type', 'application/json').send(JSON.stringify(result));
    } catch (err) {
      const pe = toPolymathError(err);
      meter.end(statusOf(pe), pe);
      throw pe;
    }
  });
}

function describe(meter: Metering, result: ContentResult): void {
  meter.route = result.route ?? null;
  meter.provider = result.provider;
  meter.model = result.model;
  meter.attempts = result.attempts;
  meter.usage = { ...result.usage, total_tokens: result.usage.prompt_tokens + result.usage.completion_tokens };
}

function resultHeaders(result: ContentResult): Record<string, string> {
  return {
    'x-polymath-provider': result.provider,
    'x-polymath-model': result.model,
    'x-polymath-attempts': String(result.attempts),
    ...(result.route ? { 'x-polymath-route': result.route } : {}),
  };
}

/** Opens the SSE response at the first event, so an error before it is still a plain HTTP error. */
async function streamContent(rt: Runtime, request: FastifyRequest, reply: FastifyReply, req: Parameters<typeof generateContent>[1], meter: Metering, opts: ContentRouteOptions): Promise<void> {
  const res = reply.raw;
  const tap = opts.tapStream?.(request);
  let opened = false;
  const send = async (event: Record<string, unknown>) => {
    if (!opened) {
      opened = true;
      reply.hijack();
      res.writeHead(200, { ...SSE_HEADERS, 'x-request-id': request.id });
      meter.firstToken();
    }
    const data = JSON.stringify(event);
    tap?.seen(data);
    await writeData(res, data);
  };
  try {
    const result = await generateContent(rt, req, {
      signal: clientSignal(reply).signal,
      requestId: request.id,
      onProgress: (e: ProgressEvent) => send(e),
    });
    opts.onResult?.(request, result);
    describe(meter, result);
    await send({ type: 'result', ...result });
    const last = tap?.last();
    if (last !== undefined) await writeData(res, last);
    res.end();
    meter.end(200);
  } catch (err) {
    const pe = toPolymathError(err);
    meter.end(pe.kind === 'client_closed' ? 499 : statusOf(pe), pe);
    if (!opened) throw pe;
    if (!res.destroyed) {
      const data = JSON.stringify({ type: 'error', ...errorBody(pe) });
      tap?.seen(data);
      await writeData(res, data);
      const last = tap?.last();
      if (last !== undefined) await writeData(res, last);
      res.end();
    }
  }
}
