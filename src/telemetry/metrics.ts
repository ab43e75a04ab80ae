/**
 * Prometheus metrics (prom-client), one registry per runtime. The request path records into plain
 * numbers per label set, handed to prom-client when scraped (fast-metrics.ts); gauges that describe state (breakers, budgets)
 * are read from their owners when scraped. Running totals for the alert rules are kept beside
 * them as plain numbers, so a rule check reads them without parsing the registry.
 */
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { RequestRecord } from '../store/schema.js';
import { fastCounter, fastHistogram, observe, type CounterChild, type HistogramChild } from './fast-metrics.js';
import type { LabelChildren } from './label-children.js';

/** Latency buckets in seconds, from a cache hit to a long generation. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];

export const BREAKER_VALUE = { closed: 0, 'half-open': 1, open: 2, isolated: 3 } as const;

/** What a request's record carries for the metrics; the cost once the meter knows it. */
export type MetricRecord = Pick<RequestRecord, 'endpoint' | 'route' | 'provider' | 'model' | 'status' | 'attempts' | 'latency_ms' | 'ttft_ms' | 'prompt_tokens' | 'completion_tokens'> & { cost_usd?: number | null };

export interface BreakerReading {
  target: string;
  state: keyof typeof BREAKER_VALUE;
}

export interface BudgetReading {
  key: string;
  period: string;
  limit_usd: number;
  spent_usd: number;
  /** share of the limit at which the soft alert fires, e.g. 0.8 */
  soft: number;
}

/** Cumulative counts the alert rules take differences of. */
export interface Totals {
  requests: number;
  /** answered with a 5xx */
  errors: number;
  cost_usd: number;
  /** requests per latency bucket (cumulative, as Prometheus's `le`), the last one +Inf */
  latency: Float64Array;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly totals: Totals = { requests: 0, errors: 0, cost_usd: 0, latency: new Float64Array(LATENCY_BUCKETS.length + 1) };
  private breakers: () => Iterable<BreakerReading> = () => [];
  private budgets: () => Iterable<BudgetReading> = () => [];

  private readonly requests: LabelChildren<CounterChild>;
  private readonly latency: LabelChildren<HistogramChild>;
  private readonly ttft: LabelChildren<HistogramChild>;
  private readonly tokens: LabelChildren<CounterChild>;
  private readonly cost: LabelChildren<CounterChild>;
  private readonly retries: LabelChildren<CounterChild>;
  private readonly fallbacks: LabelChildren<CounterChild>;
  private readonly cache: LabelChildren<CounterChild>;
  private readonly cacheSaved: LabelChildren<CounterChild>;
  private readonly checksFailed: LabelChildren<CounterChild>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registry = this.registry;
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
    this.requests = fastCounter(registry, 'polymath_requests_total', 'Requests answered, by endpoint, route, provider, model and HTTP status.', ['endpoint', 'route', 'provider', 'model', 'status']);
    this.latency = fastHistogram(registry, 'polymath_request_duration_seconds', 'Time to the whole answer.', ['endpoint', 'route', 'provider', 'model'], LATENCY_BUCKETS);
    this.ttft = fastHistogram(registry, 'polymath_time_to_first_token_seconds', 'Time to the first streamed token.', ['endpoint', 'route', 'provider', 'model'], LATENCY_BUCKETS);
    this.tokens = fastCounter(registry, 'polymath_tokens_total', 'Tokens metered, by provider, model and type (prompt or completion).', ['provider', 'model', 'type']);
    this.cost = fastCounter(registry, 'polymath_cost_usd_total', 'Cost of the requests in USD, by provider and model.', ['provider', 'model']);
    this.retries = fastCounter(registry, 'polymath_retries_total', 'Calls made beyond the first for a request (retries and fallbacks), by route.', ['route']);
    this.fallbacks = fastCounter(registry, 'polymath_fallbacks_total', 'Requests answered after their first call failed, by route.', ['route']);
    this.cache = fastCounter(registry, 'polymath_cache_requests_total', 'Cache decisions, by endpoint and result (hit, miss, bypass) and how a hit matched (exact, semantic).', ['endpoint', 'result', 'match']);
    this.cacheSaved = fastCounter(registry, 'polymath_cache_saved_usd_total', 'Cost the cache hits saved, in USD (what the cached answers cost when made).', ['endpoint']);
    this.checksFailed = fastCounter(registry, 'polymath_content_checks_failed_total', 'Content quality checks that failed, by content kind and check name.', ['kind', 'check']);
    const registers = [registry];
    const metrics = this;
    new Gauge({
      name: 'polymath_breaker_state',
      help: 'Circuit breaker state per target: 0 closed, 1 half-open, 2 open, 3 isolated.',
      labelNames: ['target'],
      registers,
      collect() {
        this.reset();
        for (const b of metrics.breakers()) this.set({ target: b.target }, BREAKER_VALUE[b.state]);
      },
    });
    new Gauge({
      name: 'polymath_budget_remaining_usd',
      help: "What is left of each key's budget for its period, in USD.",
      labelNames: ['key', 'period'],
      registers,
      collect() {
        this.reset();
        for (const b of metrics.budgets()) this.set({ key: b.key, period: b.period }, Math.max(0, b.limit_usd - b.spent_usd));
      },
    });
  }

  /** Records one finished request (called by the meter). */
  observeRequest(r: MetricRecord): void {
    const route = r.route ?? '';
    const provider = r.provider ?? '';
    const model = r.model ?? '';
    this.requests.get(r.endpoint, route, provider, model, STATUS[r.status] ?? String(r.status)).value++;
    const seconds = r.latency_ms / 1000;
    observe(this.latency.get(r.endpoint, route, provider, model), LATENCY_BUCKETS, seconds);
    if (r.ttft_ms !== null) observe(this.ttft.get(r.endpoint, route, provider, model), LATENCY_BUCKETS, r.ttft_ms / 1000);
    if (r.prompt_tokens) this.tokens.get(provider, model, 'prompt').value += r.prompt_tokens;
    if (r.completion_tokens) this.tokens.get(provider, model, 'completion').value += r.completion_tokens;
    if (r.cost_usd) {
      this.cost.get(provider, model).value += r.cost_usd;
      this.totals.cost_usd += r.cost_usd;
    }
    if (r.attempts > 1) {
      this.retries.get(route).value += r.attempts - 1;
      if (r.status < 400) this.fallbacks.get(route).value++;
    }
    const t = this.totals;
    t.requests++;
    if (r.status >= 500) t.errors++;
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]) i++;
    for (; i < t.latency.length; i++) t.latency[i]++;
  }

  /** Records a cache decision, and on a hit what it saved. */
  observeCache(endpoint: string, result: 'hit' | 'miss' | 'bypass', match: 'exact' | 'semantic' | '' = '', savedUsd = 0): void {
    this.cache.get(endpoint, result, match).value++;
    if (savedUsd > 0) this.cacheSaved.get(endpoint).value += savedUsd;
  }

  /** Records the failed checks of a content answer's quality report. */
  observeChecks(kind: string, checks: ReadonlyArray<{ name: string; passed: boolean }>): void {
    for (const c of checks) if (!c.passed) this.checksFailed.get(kind, c.name).value++;
  }

  /** Where the breaker states are read from at scrape and rule-check time. */
  readBreakersFrom(source: () => Iterable<BreakerReading>): void {
    this.breakers = source;
  }

  /** Where the budgets are read from (the usage module, once keys have budgets). */
  readBudgetsFrom(source: () => Iterable<BudgetReading>): void {
    this.budgets = source;
  }

  breakerStates(): BreakerReading[] {
    return [...this.breakers()];
  }

  budgetStates(): BudgetReading[] {
    return [...this.budgets()];
  }

  /** A copy of the running totals. */
  snapshot(): Totals {
    return { ...this.totals, latency: this.totals.latency.slice() };
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Status label strings made once. */
const STATUS: Record<number, string> = Object.fromEntries([200, 400, 401, 403, 404, 413, 415, 422, 429, 499, 500, 502, 503, 504].map((s) => [s, String(s)]));
