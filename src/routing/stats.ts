/**
 * What the executor knows about each target (`provider/model`): its circuit breaker, calls in
 * flight, latency (EWMA and a recent p95) and recent error rate. Kept across config reloads, so
 * a reload does not close an open circuit or forget latencies.
 */
import { CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import type { PolymathError } from '../errors.js';

/** How much one new latency moves the EWMA. */
const EWMA_ALPHA = 0.2;
/** Recent outcomes and latencies kept per target. */
const WINDOW = 100;
/** The fewest latencies before a p95 is trusted. */
const MIN_P95_SAMPLES = 10;

export interface BreakerOptions {
  failures: number;
  halfOpenAfterMs: number;
}

/** Health of one provider, as the last active checks found it; `null` until checked. */
export interface ProviderHealth {
  healthy: boolean | null;
  checkedAt: number | null;
  consecutiveFailures: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/** Errors that count against a target's circuit: the target's own faults, not the client's. */
export function isTargetFault(err: unknown): boolean {
  const kind = (err as PolymathError | undefined)?.kind;
  if (kind === 'upstream_timeout' || kind === 'upstream_unreachable' || kind === 'upstream_invalid') return true;
  if (kind !== 'upstream_error') return false;
  const status = (err as PolymathError).details.upstreamStatus;
  return status === undefined || status === 408 || status === 429 || status >= 500;
}

export class TargetStats {
  readonly breaker: CircuitBreakerPolicy;
  inFlight = 0;
  latencyEwmaMs: number | null = null;
  private openedAt = 0;
  private readonly outcomes = new Uint8Array(WINDOW);
  private outcomeCount = 0;
  private failuresInWindow = 0;
  private readonly latencies = new Float64Array(WINDOW);
  private latencyCount = 0;
  private p95Cache: number | null = null;

  constructor(
    readonly key: string,
    readonly health: ProviderHealth,
    private readonly breakerOptions: BreakerOptions,
  ) {
    this.breaker = circuitBreaker(handleWhen(isTargetFault), {
      halfOpenAfter: breakerOptions.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(breakerOptions.failures),
    });
    this.breaker.onBreak(() => {
      this.openedAt = Date.now();
    });
  }

  /** Whether a call may go to this target now: its circuit is closed, or open long enough for one probe. */
  admits(): boolean {
    const state = this.breaker.state;
    if (state === CircuitState.Closed) return true;
    if (state === CircuitState.Open) return Date.now() - this.openedAt >= this.breakerOptions.halfOpenAfterMs;
    return false;
  }

  get breakerState(): BreakerState {
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.Open:
        return 'open';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return 'isolated';
    }
  }

  /** Records a finished call: latency of successes feeds the EWMA and p95. */
  record(ok: boolean, latencyMs: number): void {
    const slot = this.outcomeCount % WINDOW;
    if (this.outcomeCount >= WINDOW) this.failuresInWindow -= this.outcomes[slot];
    this.outcomes[slot] = ok ? 0 : 1;
    this.failuresInWindow += ok ? 0 : 1;
    this.outcomeCount++;
    if (!ok) return;
    this.latencyEwmaMs = this.latencyEwmaMs === null ? latencyMs : this.latencyEwmaMs + EWMA_ALPHA * (latencyMs - this.latencyEwmaMs);
    this.latencies[this.latencyCount % WINDOW] = latencyMs;
    this.latencyCount++;
    this.p95Cache = null;
  }

  /** Share of failures among the last calls (up to 100); 0 before any call. */
  get errorRate(): number {
    const n = Math.min(this.outcomeCount, WINDOW);
    return n === 0 ? 0 : this.failuresInWindow / n;
  }

  get recentCalls(): number {
    return Math.min(this.outcomeCount, WINDOW);
  }

  /** The 95th percentile of recent successful latencies, or null with too few of them. */
  get p95Ms(): number | null {
    const n = Math.min(this.latencyCount, WINDOW);
    if (n < MIN_P95_SAMPLES) return null;
    if (this.p95Cache === null) {
      const sorted = this.latencies.slice(0, n).sort();
      this.p95Cache = sorted[Math.min(n - 1, Math.ceil(n * 0.95) - 1)];
    }
    return this.p95Cache;
  }
}

/** The stats of every target seen, bounded by the configured targets (plus direct `provider/model` calls, capped). */
export class StatsRegistry {
  private readonly targets = new Map<string, TargetStats>();
  private readonly health = new Map<string, ProviderHealth>();
  /** the most targets tracked; past it the oldest untouched entries are dropped */
  static readonly MAX_TARGETS = 1024;

  constructor(private breakerOptions: BreakerOptions) {}

  /** New breakers use these options; existing ones keep theirs (a reload does not reset a circuit). */
  setBreakerOptions(options: BreakerOptions): void {
    this.breakerOptions = options;
  }

  of(providerId: string, model: string): TargetStats {
    const key = `${providerId}/${model}`;
    let stats = this.targets.get(key);
    if (!stats) {
      if (this.targets.size >= StatsRegistry.MAX_TARGETS) this.evictIdle();
      stats = new TargetStats(key, this.healthOf(providerId), this.breakerOptions);
      this.targets.set(key, stats);
    }
    return stats;
  }

  healthOf(providerId: string): ProviderHealth {
    let h = this.health.get(providerId);
    if (!h) {
      h = { healthy: null, checkedAt: null, consecutiveFailures: 0 };
      this.health.set(providerId, h);
    }
    return h;
  }

  all(): IterableIterator<TargetStats> {
    return this.targets.values();
  }

  get(key: string): TargetStats | undefined {
    return this.targets.get(key);
  }

  private evictIdle(): void {
    for (const [key, s] of this.targets) {
      if (s.inFlight === 0) {
        this.targets.delete(key);
        return;
      }
    }
  }
}
