/**
 * What the gateway has learnt about each miner from its own calls: the circuit breaker, calls in
 * flight and latency (the routing layer's TargetStats, reused), an EWMA of success, the last
 * success, and quarantine. Keyed by uid and hotkey, so a new hotkey at a uid starts afresh.
 */
import type { BreakerOptions } from '../../routing/stats.js';
import { TargetStats } from '../../routing/stats.js';

/** How much one call moves the success EWMA. */
const SUCCESS_ALPHA = 0.2;

export class MinerState {
  readonly stats: TargetStats;
  /** EWMA of success (1) and failure (0); null before the first call */
  successEwma: number | null = null;
  lastSuccessAt: number | null = null;
  quarantinedUntil = 0;
  /** calls finished (success or the miner's fault) */
  calls = 0;
  /** calls started, race losers included */
  started = 0;

  constructor(readonly uid: number, readonly hotkey: string, breaker: BreakerOptions) {
    this.stats = new TargetStats(`${uid}:${hotkey}`, { healthy: null, checkedAt: null, consecutiveFailures: 0 }, breaker);
  }

  recordOutcome(ok: boolean, latencyMs: number, now = Date.now()): void {
    this.calls++;
    this.successEwma = this.successEwma === null ? (ok ? 1 : 0) : this.successEwma + SUCCESS_ALPHA * ((ok ? 1 : 0) - this.successEwma);
    if (ok) this.lastSuccessAt = now;
    this.stats.record(ok, latencyMs);
  }

  /** Caught cheating: out of selection until `until`, and its reliability falls to 0. */
  quarantine(ms: number, now = Date.now()): void {
    this.quarantinedUntil = now + ms;
    this.successEwma = 0;
  }

  isQuarantined(now = Date.now()): boolean {
    return this.quarantinedUntil > now;
  }
}

/** Miner states by uid; bounded by the metagraph (a subnet has at most 4096 uids). */
export class MinerStates {
  private readonly byUid = new Map<number, MinerState>();
  static readonly MAX = 4096;

  constructor(private readonly breaker: BreakerOptions) {}

  of(uid: number, hotkey: string): MinerState {
    let s = this.byUid.get(uid);
    if (!s || s.hotkey !== hotkey) {
      if (!s && this.byUid.size >= MinerStates.MAX) this.byUid.delete(this.byUid.keys().next().value as number);
      s = new MinerState(uid, hotkey, this.breaker);
      this.byUid.set(uid, s);
    }
    return s;
  }

  get(uid: number): MinerState | undefined {
    return this.byUid.get(uid);
  }

  /** Forgets everything learnt (an operator's reset; tests). */
  clear(): void {
    this.byUid.clear();
  }

  all(): IterableIterator<MinerState> {
    return this.byUid.values();
  }
}
