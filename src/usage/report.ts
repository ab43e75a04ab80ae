/**
 * GET /v1/usage's numbers: requests in a time range grouped by key, user, route, provider, model,
 * content kind or UTC day, with tokens, cost, cache hits, what they saved and latency percentiles. Sums are SQL on
 * SQLite and Postgres alike; percentiles are computed here from the latencies of the range (the
 * most recent MAX_LATENCIES of them).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../store/schema.js';

export const GROUPS = ['key', 'user', 'route', 'provider', 'model', 'kind', 'day'] as const;
export type Group = (typeof GROUPS)[number];

export interface UsageRow {
  group: string | null;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
  cache_hits: number;
  /** what cache hits saved, USD */
  saved_usd: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

export interface UsageQuery {
  groupBy: Group;
  from: number;
  to: number;
  /** only this key's requests */
  keyId?: string;
}

const MAX_LATENCIES = 200_000;
const DAY_MS = 86_400_000;

function groupExpr(g: Group): RawBuilder<unknown> {
  switch (g) {
    case 'key': return sql`key_id`;
    case 'user': return sql`user_id`;
    case 'day': return sql`(created_at / ${sql.lit(DAY_MS)})`;
    default: return sql.ref(g);
  }
}

export async function usageReport(db: Kysely<Database>, q: UsageQuery): Promise<UsageRow[]> {
  const g = groupExpr(q.groupBy);
  const byKey = q.keyId === undefined ? sql`` : sql` and key_id = ${q.keyId}`;
  const sums = await sql<{ g: unknown; requests: unknown; errors: unknown; prompt_tokens: unknown; completion_tokens: unknown; cost_usd: unknown; cache_hits: unknown; saved_usd: unknown }>`
    select ${g} as g, count(*) as requests, sum(case when status >= 400 then 1 else 0 end) as errors,
      coalesce(sum(prompt_tokens), 0) as prompt_tokens, coalesce(sum(completion_tokens), 0) as completion_tokens,
      coalesce(sum(cost_usd), 0) as cost_usd, coalesce(sum(cache_hit), 0) as cache_hits,
      coalesce(sum(saved_usd), 0) as saved_usd
    from requests where created_at >= ${q.from} and created_at < ${q.to}${byKey}
    group by ${g} order by ${g}`.execute(db);
  const lat = await sql<{ g: unknown; latency_ms: number }>`
    select ${g} as g, latency_ms from requests where created_at >= ${q.from} and created_at < ${q.to}${byKey}
    order by created_at desc limit ${MAX_LATENCIES}`.execute(db);
  const latencies = new Map<string, number[]>();
  for (const r of lat.rows) {
    const k = String(r.g);
    let list = latencies.get(k);
    if (!list) latencies.set(k, (list = []));
    list.push(Number(r.latency_ms));
  }
  return sums.rows.map((r) => {
    const list = (latencies.get(String(r.g)) ?? []).sort((a, b) => a - b);
    return {
      group: r.g === null ? null : q.groupBy === 'day' ? new Date(Number(r.g) * DAY_MS).toISOString().slice(0, 10) : String(r.g),
      requests: Number(r.requests),
      errors: Number(r.errors),
      prompt_tokens: Number(r.prompt_tokens),
      completion_tokens: Number(r.completion_tokens),
      cost_usd: Math.round(Number(r.cost_usd) * 1e9) / 1e9,
      cache_hits: Number(r.cache_hits),
      saved_usd: Math.round(Number(r.saved_usd) * 1e9) / 1e9,
      p50_ms: pct(list, 0.5),
      p95_ms: pct(list, 0.95),
    };
  });
}

function pct(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] * 100) / 100;
}
