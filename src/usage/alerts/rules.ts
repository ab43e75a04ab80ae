/**
 * The alert rules: each reads one interval's numbers and says which alerts are active now. An
 * alert is identified by its rule and what it is about (`breaker_open:openai/gpt-4o-mini`), so
 * the engine can tell a new alert from one still firing and from one that resolved.
 */
import type { AlertRules } from '../../config/alerts.js';
import { LATENCY_BUCKETS, type BreakerReading, type BudgetReading } from '../../telemetry/metrics.js';

export interface Active {
  id: string;
  rule: 'p95_latency' | 'error_rate' | 'cost_over_baseline' | 'budget_soft' | 'breaker_open';
  summary: string;
  labels: Record<string, string>;
  value: number;
  threshold: number;
}

/** What one interval saw. */
export interface Window {
  requests: number;
  errors: number;
  cost_usd: number;
  /** requests per cumulative latency bucket in this interval (the last one +Inf) */
  latency: Float64Array;
  /** the cost of the earlier intervals, oldest first */
  baseline: readonly number[];
  breakers: readonly BreakerReading[];
  budgets: readonly BudgetReading[];
}

export function evaluate(rules: AlertRules, w: Window): Active[] {
  const out: Active[] = [];
  if (rules.p95_latency_ms !== false && w.requests >= rules.min_requests) {
    const p95 = quantileMs(w.latency, 0.95);
    if (p95 > rules.p95_latency_ms) {
      out.push({ id: 'p95_latency', rule: 'p95_latency', summary: `p95 latency ${Math.round(p95)} ms over the last interval is above ${rules.p95_latency_ms} ms`, labels: {}, value: p95, threshold: rules.p95_latency_ms });
    }
  }
  if (rules.error_rate !== false && w.requests >= rules.min_requests) {
    const rate = w.errors / w.requests;
    if (rate > rules.error_rate) {
      out.push({ id: 'error_rate', rule: 'error_rate', summary: `${(rate * 100).toFixed(1)}% of ${w.requests} requests failed (5xx) over the last interval, above ${rules.error_rate * 100}%`, labels: {}, value: rate, threshold: rules.error_rate });
    }
  }
  if (rules.cost_over_baseline !== false && w.baseline.length >= rules.baseline_intervals && w.cost_usd >= rules.min_cost_usd) {
    const baseline = w.baseline.reduce((a, b) => a + b, 0) / w.baseline.length;
    const limit = baseline * (1 + rules.cost_over_baseline);
    if (w.cost_usd > limit) {
      out.push({ id: 'cost_over_baseline', rule: 'cost_over_baseline', summary: `cost $${w.cost_usd.toFixed(4)} in the last interval is over the trailing baseline $${baseline.toFixed(4)} by more than ${rules.cost_over_baseline * 100}%`, labels: {}, value: w.cost_usd, threshold: limit });
    }
  }
  if (rules.budget_soft) {
    for (const b of w.budgets) {
      if (b.limit_usd <= 0 || b.spent_usd < b.limit_usd * b.soft) continue;
      out.push({ id: `budget_soft:${b.key}:${b.period}`, rule: 'budget_soft', summary: `key ${b.key} has spent $${b.spent_usd.toFixed(4)} of its $${b.limit_usd} ${b.period} budget (soft threshold ${b.soft * 100}%)`, labels: { key: b.key, period: b.period }, value: b.spent_usd, threshold: b.limit_usd * b.soft });
    }
  }
  if (rules.breaker_open) {
    for (const b of w.breakers) {
      if (b.state !== 'open') continue;
      out.push({ id: `breaker_open:${b.target}`, rule: 'breaker_open', summary: `the circuit breaker of ${b.target} is open`, labels: { target: b.target }, value: 1, threshold: 1 });
    }
  }
  return out;
}

/**
 * A quantile of a cumulative bucket histogram, interpolated inside its bucket as Prometheus's
 * histogram_quantile does; in ms. Past the last finite bucket it is that bucket's bound.
 */
export function quantileMs(cumulative: Float64Array, q: number): number {
  const total = cumulative[cumulative.length - 1];
  if (total === 0) return 0;
  const rank = q * total;
  for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
    if (cumulative[i] >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BUCKETS[i - 1];
      const below = i === 0 ? 0 : cumulative[i - 1];
      const inBucket = cumulative[i] - below;
      const share = inBucket === 0 ? 1 : (rank - below) / inBucket;
      return (lower + (LATENCY_BUCKETS[i] - lower) * share) * 1000;
    }
  }
  return LATENCY_BUCKETS[LATENCY_BUCKETS.length - 1] * 1000;
}
