/**
 * Meters one request: what it asked for, who asked (key, user), who answered, tokens, cost, time
 * to first token and latency. `end` settles the request's budget reservation and token hold to
 * the real cost (once), hands the record to the batched request log and writes one log line;
 * nothing here waits on the database.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { PolymathError } from '../errors.js';
import type { Usage } from '../providers/types.js';
import type { RequestLog } from '../store/request-log.js';
import { AccessLog } from '../telemetry/access-log.js';
import type { RequestRecord } from '../store/schema.js';
import type { Budgets, Reservation } from './budgets.js';
import type { ApiKey } from './keys.js';
import type { RateLimits, TokenHold } from './limits.js';
import { cachedTokens, type Pricing } from './pricing.js';

/** What a finished request's record holds, for listeners (metrics). */
export type MeterRecord = RequestRecord;

export class Metering {
  private readonly started = performance.now();
  private readonly createdAt = Date.now();
  private ttftMs: number | null = null;
  private ended = false;
  route: string | null = null;
  provider: string | null = null;
  model: string | null = null;
  attempts = 0;
  usage: Usage | undefined;
  stream: boolean;
  /** the API key that made the request */
  key: ApiKey | null = null;
  /** the body's `user`, or the learner */
  user: string | null = null;
  /** content kind */
  kind: string | null = null;
  /** the answer came from the cache (no provider call) */
  cacheHit = false;
  /** USD a cache hit saved (what the answer it served cost when it was made) */
  savedUsd: number | null = null;
  /** the budget reserved before the call, settled by `end` */
  reservation: Reservation | null = null;
  /** the tokens taken from the key's tpm before the call, corrected by `end` */
  tokenHold: TokenHold | null = null;
  /** a route took this meter over and ends it itself (with the error and the tokens it knows) */
  claimed = false;
  /** items of a batch: the parent settles their total and writes no record of its own */
  private children: Metering[] | null = null;

  constructor(
    private readonly meter: Meter,
    readonly id: string,
    readonly endpoint: string,
    stream: boolean,
  ) {
    this.stream = stream;
  }

  /** Marks the first token sent to the client (streams only). */
  firstToken(): void {
    this.ttftMs ??= performance.now() - this.started;
  }

  /** USD this request cost so far (its usage at its provider and model's price). */
  costUsd(): number {
    if (this.children) {
      let sum = 0;
      for (const c of this.children) sum += c.costUsd();
      return sum;
    }
    return this.meter.pricing.cost(this.provider, this.model, this.usage);
  }

  /** A record of its own for one item of this request (a batch item), with this request's key and user. */
  child(id: string, endpoint: string): Metering {
    const c = new Metering(this.meter, id, endpoint, false);
    c.key = this.key;
    c.user = this.user;
    (this.children ??= []).push(c);
    return c;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  end(status: number, error?: PolymathError): void {
    if (this.ended) return;
    this.ended = true;
    const cost = this.costUsd();
    const usage = this.children ? sumUsage(this.children) : this.usage;
    if (this.reservation) this.meter.budgets?.settle(this.reservation, cost, this.key ?? undefined);
    if (this.tokenHold) this.meter.limits?.settle(this.tokenHold, (usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));
    if (this.children) return;
    this.meter.write({
      id: this.id,
      created_at: this.createdAt,
      endpoint: this.endpoint,
      route: this.route,
      provider: this.provider,
      model: this.model,
      stream: this.stream ? 1 : 0,
      status,
      attempts: this.attempts,
      latency_ms: performance.now() - this.started,
      ttft_ms: this.ttftMs,
      prompt_tokens: usage?.prompt_tokens ?? null,
      completion_tokens: usage?.completion_tokens ?? null,
      error_kind: error?.kind ?? null,
      cost_usd: cost,
      key_id: this.key?.id ?? null,
      user_id: this.user,
      kind: this.kind,
      cache_hit: this.cacheHit ? 1 : 0,
      cached_tokens: usage ? cachedTokens(usage) || null : null,
      saved_usd: this.savedUsd,
    }, error);
  }
}

function sumUsage(items: Metering[]): Usage | undefined {
  let p = 0;
  let c = 0;
  let any = false;
  for (const m of items) {
    if (!m.usage) continue;
    any = true;
    p += m.usage.prompt_tokens ?? 0;
    c += m.usage.completion_tokens ?? 0;
  }
  return any ? { prompt_tokens: p, completion_tokens: c, total_tokens: p + c } : undefined;
}

export type RecordListener = (record: MeterRecord, error?: PolymathError) => void;

export class Meter {
  /** The one line per request (telemetry/access-log.ts). */
  private readonly access: AccessLog;
  private readonly listeners: RecordListener[] = [];

  constructor(
    private readonly log: RequestLog,
    logger: Logger,
    readonly pricing: Pricing,
    readonly budgets?: Budgets,
    readonly limits?: RateLimits,
  ) {
    this.access = new AccessLog(logger);
  }

  start(id: string, endpoint: string, stream: boolean): Metering {
    return new Metering(this, id, endpoint, stream);
  }

  /** Calls `fn` with every finished request's record (metrics read them here). */
  onRecord(fn: RecordListener): void {
    this.listeners.push(fn);
  }

  /** @internal called by Metering.end */
  write(record: MeterRecord, error?: PolymathError): void {
    this.log.record(record);
    for (const fn of this.listeners) fn(record, error);
    const line = {
      reqId: record.id,
      endpoint: record.endpoint,
      route: record.route,
      provider: record.provider,
      model: record.model,
      status: record.status,
      latency_ms: Math.round(record.latency_ms * 100) / 100,
      ttft_ms: record.ttft_ms === null ? undefined : Math.round(record.ttft_ms * 100) / 100,
      attempts: record.attempts,
      cost_usd: record.cost_usd || undefined,
    };
    if (error) this.access.write('warn', { ...line, error_kind: error.kind, error: error.message }, 'request failed');
    else this.access.write('info', line, 'request completed');
  }
}
