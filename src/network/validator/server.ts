/** The validator's HTTP face: GET /weights for gateways, GET /health. */
import Fastify from 'fastify';
import type { Validator } from './validator.js';

export async function startValidatorServer(v: Validator, host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  // keep-alive connections of gateways polling /weights must not hold a shutdown open
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.get('/weights', async (_req, reply) => reply.header('cache-control', 'no-store').send(v.weights()));
  app.get('/health', async () => ({ status: 'ok', updated_at: v.weights().updated_at }));
  const address = await app.listen({ host, port });
  return { url: address, close: () => app.close() };
}
