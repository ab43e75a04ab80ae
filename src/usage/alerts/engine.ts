/**
 * Checks the alert rules every `interval_ms` over the requests of the last interval, and sends
 * each alert once when it fires and once when it resolves, to the log and to the webhook.
 */
import type { Logger } from 'pino';
import type { AlertsConfig } from '../../config/alerts.js';
import type { Metrics, Totals } from '../../telemetry/metrics.js';
import { evaluate, type Active } from './rules.js';
import { Webhook } from './webhook.js';

/** The JSON body of a webhook POST. */
export interface AlertEvent {
  status: 'firing' | 'resolved';
  id: string;
  rule: Active['rule'];
  summary: string;
  labels: Record<string, string>;
  value: number;
  threshold: number;
  started_at: string;
  resolved_at?: string;
}

export class AlertEngine {
  private readonly active = new Map<string, { alert: Active; since: number }>();
  private readonly baseline: number[] = [];
  private last: Totals;
  private timer: NodeJS.Timeout | undefined;
  readonly webhook: Webhook | undefined;

  constructor(
    private readonly config: AlertsConfig,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.last = metrics.snapshot();
    const w = config.webhook;
    this.webhook = config.webhook_url ? new Webhook({ url: config.webhook_url, timeoutMs: w.timeout_ms, attempts: w.attempts, backoffMs: w.backoff_ms, maxQueue: w.max_queue }, logger) : undefined;
  }

  start(): void {
    if (!this.config.enabled || this.timer) return;
    this.timer = setInterval(() => this.check(), this.config.interval_ms).unref();
  }

  /** Checks the rules over what happened since the last check; returns the events sent. */
  check(now = Date.now()): AlertEvent[] {
    const totals = this.metrics.snapshot();
    const latency = totals.latency.map((n, i) => n - this.last.latency[i]);
    const cost = totals.cost_usd - this.last.cost_usd;
    const found = evaluate(this.config.rules, {
      requests: totals.requests - this.last.requests,
      errors: totals.errors - this.last.errors,
      cost_usd: cost,
      latency,
      baseline: this.baseline,
      breakers: this.metrics.breakerStates(),
      budgets: this.metrics.budgetStates(),
    });
    this.last = totals;
    this.baseline.push(cost);
    if (this.baseline.length > this.config.rules.baseline_intervals) this.baseline.shift();

    const events: AlertEvent[] = [];
    const seen = new Set<string>();
    for (const alert of found) {
      seen.add(alert.id);
      if (this.active.has(alert.id)) continue;
      this.active.set(alert.id, { alert, since: now });
      events.push(event('firing', alert, now));
    }
    for (const [id, { alert, since }] of this.active) {
      if (seen.has(id)) continue;
      this.active.delete(id);
      events.push({ ...event('resolved', alert, since), resolved_at: new Date(now).toISOString() });
    }
    for (const e of events) {
      if (e.status === 'firing') this.logger.warn({ alert: e }, `alert firing: ${e.summary}`);
      else this.logger.info({ alert: e }, `alert resolved: ${e.summary}`);
      this.webhook?.send(e);
    }
    return events;
  }

  /** The alerts firing now. */
  firing(): Active[] {
    return [...this.active.values()].map((a) => a.alert);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.webhook?.close();
  }
}

function event(status: AlertEvent['status'], a: Active, since: number): AlertEvent {
  return { status, id: a.id, rule: a.rule, summary: a.summary, labels: a.labels, value: a.value, threshold: a.threshold, started_at: new Date(since).toISOString() };
}
