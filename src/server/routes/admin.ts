/**
 * GET /v1/admin/providers: each target the config routes to, with its circuit breaker state,
 * calls in flight, latency EWMA and p95, recent error rate and the provider's health.
 */
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime.js';

export interface TargetView {
  id: string;
  provider: string;
  model: string;
  routes: string[];
  breaker: string;
  in_flight: number;
  latency_ewma_ms: number | null;
  latency_p95_ms: number | null;
  error_rate: number;
  recent_calls: number;
  healthy: boolean | null;
  health_checked_at: string | null;
  /** what the provider itself reports (a subnet provider: each miner's score parts) */
  details?: unknown;
}

export function adminRoutes(app: FastifyInstance, rt: Runtime): void {
  app.get('/v1/admin/providers', async (_request, reply) => {
    const data: TargetView[] = [];
    const seen = new Set<string>();
    const add = (key: string, routes: string[]) => {
      const s = rt.executor.stats.get(key);
      if (!s || seen.has(key)) return;
      seen.add(key);
      const slash = key.indexOf('/');
      data.push({
        id: key,
        provider: key.slice(0, slash),
        model: key.slice(slash + 1),
        routes,
        breaker: s.breakerState,
        in_flight: s.inFlight,
        latency_ewma_ms: round(s.latencyEwmaMs),
        latency_p95_ms: round(s.p95Ms),
        error_rate: Math.round(s.errorRate * 1000) / 1000,
        recent_calls: s.recentCalls,
        healthy: s.health.healthy,
        health_checked_at: s.health.checkedAt === null ? null : new Date(s.health.checkedAt).toISOString(),
        ...describe(rt, key.slice(0, slash)),
      });
    };
    for (const { target, routes } of rt.router.configuredTargets()) add(target.stats.key, routes.sort());
    for (const s of rt.executor.stats.all()) if (rt.providers.has(s.key.slice(0, s.key.indexOf('/')))) add(s.key, []);
    return reply.header('cache-control', 'no-store').send({ object: 'list', data });
  });
}

function round(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 100) / 100;
}

/** A provider that reports more about itself (`describe()`, e.g. the subnet provider's miners). */
function describe(rt: Runtime, providerId: string): { details?: unknown } {
  const p = rt.providers.get(providerId) as { describe?: () => unknown } | undefined;
  return typeof p?.describe === 'function' ? { details: p.describe() } : {};
}
