/**
 * GET /v1/usage?group_by=key|user|route|provider|model|kind|day&from=&to=
 *   → {object: "list", group_by, from, to, data: [{group, requests, errors, prompt_tokens, completion_tokens, cost_usd, cache_hits, saved_usd, p50_ms, p95_ms}]}
 * The admin key sees every request; an API key sees its own. `from`/`to` are ISO dates or Unix
 * seconds (default: the last 30 days to now).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PolymathError } from '../../errors.js';
import type { Runtime } from '../../runtime.js';
import { GROUPS, usageReport } from '../../usage/report.js';

const instant = z.union([z.string().regex(/^\d{1,12}$/).transform((s) => Number(s) * 1000), z.iso.datetime({ offset: true }).or(z.iso.date()).transform((s) => Date.parse(s))]);

const query = z
  .object({
    group_by: z.enum(GROUPS).default('day'),
    from: instant.optional(),
    to: instant.optional(),
  })
  .strict();

export function usageRoutes(app: FastifyInstance, rt: Runtime): void {
  app.get('/v1/usage', async (request, reply) => {
    const parsed = query.safeParse(request.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = String(issue.path[0] ?? 'query');
      const message = param === 'group_by' ? `group_by is one of ${GROUPS.join(', ')}.` : issue.code === 'unrecognized_keys' ? `Unknown query parameter: ${issue.keys.join(', ')}.` : `${param} is an ISO date (2026-11-30 or 2026-11-30T12:00:00Z) or Unix seconds.`;
      throw new PolymathError('invalid_request', message, { param, code: 'invalid_query' });
    }
    const to = parsed.data.to ?? Date.now();
    const from = parsed.data.from ?? to - 30 * 86_400_000;
    if (from > to) throw new PolymathError('invalid_request', '`from` is after `to`.', { param: 'from', code: 'invalid_query' });
    const ctx = request.polymath;
    const keyId = ctx?.admin ? undefined : ctx?.key?.id;
    // Let the records of requests just answered reach the store first.
    await rt.requestLog.flush();
    const data = await usageReport(rt.store.db, { groupBy: parsed.data.group_by, from, to, keyId });
    return reply.header('cache-control', 'no-store').send({ object: 'list', group_by: parsed.data.group_by, from: new Date(from).toISOString(), to: new Date(to).toISOString(), data });
  });
}
