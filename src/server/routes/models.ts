/** GET /v1/models (route aliases and provider models) and GET /health. */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime.js';

/** Listed models carry the time the server started as their `created`. */
const STARTED = Math.floor(Date.now() / 1000);

export function modelRoutes(app: FastifyInstance, rt: Runtime): void {
  app.get('/v1/models', async () => ({
    object: 'list',
    data: rt.router.modelIds().map((m) => ({ id: m.id, object: 'model', created: STARTED, owned_by: m.owned_by })),
  }));

  app.get('/v1/models/*', async (request, reply) => {
    const id = (request.params as { '*': string })['*'];
    const found = rt.router.modelIds().find((m) => m.id === id);
    if (!found) return reply.callNotFound();
    return { id: found.id, object: 'model', created: STARTED, owned_by: found.owned_by };
  });

  app.get('/health', async () => ({
    status: 'ok',
    providers: [...rt.providers.values()].map((p) => ({ id: p.id, type: p.type, mode: p.mode })),
    routes: Object.keys(rt.config.routes),
  }));
}
