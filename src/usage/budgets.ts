/**
 * Per-key budgets that hold under concurrency: a request reserves its estimated cost before the
 * call (refused with 429 insufficient_quota when the reservation would pass the budget) and
 * settles to its real cost after, once. Counters live in the shared state, in nano-dollars, one
 * per key and period; a counter missing from the state (first use, a restart in memory mode, a
 * flushed Redis) is seeded from the spend already recorded in the store.
 *
 * Emits `soft` once per key and period on this instance when spend reaches the soft threshold
 * (config `budgets.soft_threshold`), for alerts.
 */
import { EventEmitter } from 'node:events';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { BudgetsConfig } from '../config/usage.js';
import { PolymathError } from '../errors.js';
import type { Database } from '../store/schema.js';
import { periodOf, type BudgetPeriod } from './budget-spec.js';
import type { ApiKey } from './keys.js';
import { andThen, type Maybe } from '../maybe.js';
import type { SharedState } from './state.js';

const NANO = 1e9;
const MAX_TRACKED = 10_000;
/** counters outlive their period by a day, so a late settlement still finds them */
const GRACE_MS = 86_400_000;

export interface Reservation {
  keyId: string;
  counter: string;
  /** nano-dollars reserved */
  amount: number;
  ttlMs: number;
  periodStart: number;
  settled: boolean;
}

interface KeyPeriod {
  period: BudgetPeriod;
  start: number;
  end: number;
  counter: string;
}

export interface BudgetStatus {
  keyId: string;
  name: string;
  period: BudgetPeriod;
  periodStart: number;
  budgetUsd: number;
  /** spent plus reserved, as last seen by this instance */
  spentUsd: number;
}

export interface SoftThresholdEvent extends BudgetStatus {
  threshold: number;
}

export interface BudgetEvents {
  soft: [SoftThresholdEvent];
}

export class Budgets extends EventEmitter<BudgetEvents> {
  private readonly seeded = new Set<string>();
  private readonly status = new Map<string, BudgetStatus>();
  private readonly warned = new Set<string>();
  /** each key's current period and counter, recomputed when the period ends */
  private readonly periods = new Map<string, KeyPeriod>();

  constructor(
    private readonly state: SharedState,
    private readonly db: Kysely<Database>,
    private readonly cfg: BudgetsConfig,
    private readonly logger: Logger,
  ) {
    super();
  }

  /**
   * Reserves `estimateUsd` against the key's budget; null when the key has none. Once the key's
   * counter is seeded this is one step of the state (at once in memory, one promise on Redis): it
   * runs on every request.
   */
  reserve(key: ApiKey, estimateUsd: number, now = Date.now()): Maybe<Reservation | null> {
    const budget = key.budget;
    if (!budget) return null;
    const p = this.periodOf(key, budget.period, now);
    const ttlMs = p.end - now + GRACE_MS;
    if (!this.seeded.has(p.counter)) return this.seed(key.id, p.counter, p.start, ttlMs).then(() => this.take(key, budget, p, ttlMs, estimateUsd));
    return this.take(key, budget, p, ttlMs, estimateUsd);
  }

  private take(key: ApiKey, budget: NonNullable<ApiKey['budget']>, p: KeyPeriod, ttlMs: number, estimateUsd: number): Maybe<Reservation> {
    const amount = Math.ceil(estimateUsd * NANO);
    const limit = Math.floor(budget.usd * NANO);
    const { start, end, counter } = p;
    return andThen(this.state.reserve(counter, amount, limit, ttlMs), (r) => {
      if (!r.ok) {
        this.track(key, start, r.total);
        const resets = new Date(end).toISOString();
        throw new PolymathError('budget_exceeded', `This API key's budget of $${budget.usd} per ${budget.period} is spent ($${(r.total / NANO).toFixed(4)} used; this request needs about $${estimateUsd.toFixed(4)}). It resets at ${resets}.`, { code: 'insufficient_quota' });
      }
      return { keyId: key.id, counter, amount, ttlMs, periodStart: start, settled: false };
    });
  }

  /**
   * A reservation of nothing, never refused: for work the key already paid to start (a
   * next-lesson job its submission queued), whose cost `settle` then adds to the key's spend.
   */
  async open(key: ApiKey, now = Date.now()): Promise<Reservation | null> {
    if (!key.budget) return null;
    const { start, counter, end } = this.periodOf(key, key.budget.period, now);
    const ttlMs = end - now + GRACE_MS;
    if (!this.seeded.has(counter)) await this.seed(key.id, counter, start, ttlMs);
    return { keyId: key.id, counter, amount: 0, ttlMs, periodStart: start, settled: false };
  }

  /** The key's current period and its counter (seeded from the store on first use, by the caller). */
  private periodOf(key: ApiKey, period: BudgetPeriod, now: number): KeyPeriod {
    let p = this.periods.get(key.id);
    if (p === undefined || now >= p.end || p.period !== period) {
      const { start, end } = periodOf(period, now);
      p = { period, start, end, counter: `budget:${key.id}:${period}:${start}` };
      if (this.periods.size >= MAX_TRACKED) this.periods.clear();
      this.periods.set(key.id, p);
    }
    return p;
  }

  /** Replaces the reservation by the real cost. Once per reservation; never waits the caller. */
  settle(res: Reservation, costUsd: number, key?: ApiKey): void {
    if (res.settled) return;
    res.settled = true;
    const delta = Math.round(costUsd * NANO) - res.amount;
    if (delta === 0 && !key?.budget) return;
    const seen = (total: number) => {
      if (key?.budget) this.track(key, res.periodStart, total);
    };
    const total = this.state.add(res.counter, delta, res.ttlMs);
    if (!(total instanceof Promise)) return seen(total);
    total.then(seen, (err: unknown) => this.logger.error({ err, keyId: res.keyId }, 'could not settle a budget reservation; the spend is in the request log'));
  }

  /**
   * Budgets as this instance last saw them, in their current period (for metrics and the
   * budget_soft alert): a key whose period has ended is left out until it spends again, so its
   * alert resolves when the period rolls over.
   */
  snapshot(now = Date.now()): BudgetStatus[] {
    const out: BudgetStatus[] = [];
    for (const [id, s] of this.status) {
      if (periodOf(s.period, s.periodStart).end <= now) this.status.delete(id);
      else out.push(s);
    }
    return out;
  }

  /** Drops what this instance knows of a key's spend (the key was revoked): its alert resolves. */
  forget(keyId: string): void {
    this.status.delete(keyId);
    this.periods.delete(keyId);
  }

  private async seed(keyId: string, counter: string, start: number, ttlMs: number): Promise<void> {
    const row = await sql<{ spent: number | string | null }>`select sum(cost_usd) as spent from requests where key_id = ${keyId} and created_at >= ${start}`.execute(this.db);
    const spent = Number(row.rows[0]?.spent ?? 0);
    await this.state.seed(counter, Math.round(spent * NANO), ttlMs);
    if (this.seeded.size >= MAX_TRACKED) this.seeded.clear();
    this.seeded.add(counter);
  }

  private track(key: ApiKey, periodStart: number, totalNano: number): void {
    const budget = key.budget!;
    let s = this.status.get(key.id);
    // Every settlement lands here: the key's status is updated in place while its period and budget hold.
    if (s && s.periodStart === periodStart && s.period === budget.period && s.budgetUsd === budget.usd && s.name === key.name) s.spentUsd = totalNano / NANO;
    else {
      s = { keyId: key.id, name: key.name, period: budget.period, periodStart, budgetUsd: budget.usd, spentUsd: totalNano / NANO };
      if (this.status.size >= MAX_TRACKED && !this.status.has(key.id)) this.status.clear();
      this.status.set(key.id, s);
    }
    if (s.spentUsd < budget.usd * this.cfg.soft_threshold) return;
    const mark = `${key.id}:${periodStart}`;
    if (!this.warned.has(mark)) {
      if (this.warned.size >= MAX_TRACKED) this.warned.clear();
      this.warned.add(mark);
      const event: SoftThresholdEvent = { ...s, threshold: this.cfg.soft_threshold };
      this.logger.warn({ keyId: key.id, key: key.name, spent_usd: s.spentUsd, budget_usd: budget.usd, period: budget.period }, 'API key reached its budget soft threshold');
      this.emit('soft', event);
    }
  }
}
