/** The request path's stage mechanism: order, early answers, errors, and the meter of routes that know nothing of it. */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { PolymathError } from '../src/errors.js';
import type { Runtime } from '../src/runtime.js';
import { errorHandler } from '../src/server/errors.js';
import { usePipeline, type RequestStage } from '../src/server/pipeline.js';
import type { RequestRecord } from '../src/store/index.js';
import { Meter } from '../src/usage/meter.js';
import { Pricing } from '../src/usage/pricing.js';
import { createLogger } from '../src/telemetry/logger.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An app with the pipeline over `stages`, a meter whose records land in `records`, and a route that knows nothing of either. */
async function appWith(stages: RequestStage[]) {
  const records: RequestRecord[] = [];
  const meter = new Meter({ record: (r: RequestRecord) => records.push(r) } as never, createLogger('silent'), new Pricing({}, () => undefined));
  app = Fastify();
  app.setErrorHandler(errorHandler);
  usePipeline(app, { meter } as unknown as Runtime, stages);
  const handled: string[] = [];
  app.post('/v1/learners/:id/lessons', async (request) => {
    handled.push(request.url);
    return { ok: true, key: request.polymath?.key?.name ?? null };
  });
  app.get('/health', async () => ({ status: 'ok' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { url, records, handled };
}

const post = (url: string, body: unknown = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the request pipeline', () => {
  it('runs request-phase stages before handler-phase ones, in order, and only on /v1/*', async () => {
    const seen: string[] = [];
    const stage = (name: string, phase: RequestStage['phase'], async = false): RequestStage => ({
      name,
      phase,
      run: (ctx, request) => {
        seen.push(`${name}:${request.body === undefined ? 'no body' : 'body'}:${ctx.meter ? 'meter' : 'no meter'}`);
        return async ? new Promise((r) => setTimeout(r, 5)) : undefined;
      },
    });
    const { url } = await appWith([stage('b', 'handler', true), stage('a', 'request', true), stage('c', 'handler')]);
    await post(`${url}/v1/learners/l-1/lessons`, { topic: 'x' });
    expect(seen).toEqual(['a:no body:no meter', 'b:body:meter', 'c:body:meter']);
    seen.length = 0;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(seen).toEqual([]);
  });

  it('lets a stage answer early (a cache hit): later stages and the route do not run, and the meter records it', async () => {
    const { url, records, handled } = await appWith([
      {
        name: 'cache',
        phase: 'handler',
        run: async (ctx, _request, reply) => {
          ctx.meter!.cacheHit = true;
          await reply.header('x-polymath-cache', 'hit').send({ cached: true });
        },
      },
      { name: 'never', phase: 'handler', run: () => { throw new Error('a stage after an answer ran'); } },
    ]);
    const res = await post(`${url}/v1/learners/l-2/lessons`, { user: 'u-7' });
    expect(await res.json()).toEqual({ cached: true });
    expect(res.headers.get('x-polymath-cache')).toBe('hit');
    expect(handled).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    expect(records).toEqual([expect.objectContaining({ endpoint: 'learners', status: 200, cache_hit: 1, user_id: 'u-7' })]);
  });

  it("answers a stage's PolymathError in OpenAI's error JSON, before the route", async () => {
    const { url, handled } = await appWith([{ name: 'deny', phase: 'request', run: () => { throw new PolymathError('unauthorized', 'no key', { code: 'invalid_api_key' }); } }]);
    const res = await post(`${url}/v1/learners/l-3/lessons`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { message: 'no key', type: 'authentication_error', param: null, code: 'invalid_api_key' } });
    expect(handled).toEqual([]);
  });

  it('meters a route added without knowing of metering: one record, the learner from the path as the user', async () => {
    const { url, records } = await appWith([]);
    expect((await post(`${url}/v1/learners/learner-42/lessons`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    expect(records).toEqual([expect.objectContaining({ endpoint: 'learners', status: 200, user_id: 'learner-42', cost_usd: 0 })]);
  });
});
