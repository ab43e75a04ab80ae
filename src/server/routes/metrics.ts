/**
 * GET /metrics: Prometheus text format. Open while the server listens on a loopback address only;
 * on any other address it needs the admin key (`POLYMATH_ADMIN_KEY`) as `Authorization: Bearer`
 * or `x-api-key`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PolymathError } from '../../errors.js';
import type { Runtime } from '../../runtime.js';

export function metricsRoutes(app: FastifyInstance, rt: Runtime): void {
  app.get('/metrics', async (request, reply) => {
    if (!isLoopback(rt.config.server.host)) requireAdmin(request);
    const text = await rt.metrics.text();
    return reply.header('content-type', rt.metrics.contentType).header('cache-control', 'no-store').send(text);
  });
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

function requireAdmin(request: FastifyRequest): void {
  const admin = process.env.POLYMATH_ADMIN_KEY;
  if (!admin) {
    throw new PolymathError('unauthorized', 'This server listens beyond loopback: set POLYMATH_ADMIN_KEY and send it to read /metrics.', { code: 'admin_key_not_set' });
  }
  const auth = request.headers.authorization;
  const given = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7).trim() : request.headers['x-api-key'];
  if (typeof given !== 'string' || !sameSecret(given, admin)) {
    throw new PolymathError('unauthorized', 'Reading /metrics needs the admin key (Authorization: Bearer <POLYMATH_ADMIN_KEY>).', { code: 'invalid_api_key' });
  }
}

/** Compares digests, so neither the length nor a prefix of the key leaks through timing. */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
