/**
 * k miners at once: the first answer that verifies wins and the others are aborted; a failure
 * (error, timeout, refused signature, invalid content) starts the next candidate, up to
 * `maxCalls` calls, within the caller's deadline. Every call is counted in its miner's state
 * (calls in flight, circuit breaker, reliability and latency).
 */
import { performance } from 'node:perf_hooks';
import { Abort, follow, type Signal } from '../../abort.js';
import { PolymathError, toPolymathError } from '../../errors.js';
import type { MinerState, Ranked } from '../../network/selection/index.js';
import { isTargetFault } from '../../routing/stats.js';

/** Why a slower miner's call was aborted: not its fault. */
export const RACE_LOST = new PolymathError('client_closed', 'another miner answered first');

/** Ends one call's bookkeeping: undefined = success, null = abandoned, else the failure. */
export type Settle = (err: PolymathError | undefined | null, latencyMs?: number) => void;

export function track(state: MinerState): Settle {
  state.stats.inFlight++;
  state.started++;
  let settleLife: (err?: unknown) => void = () => {};
  const life = new Promise<void>((resolve, reject) => {
    settleLife = (err) => (err ? reject(err) : resolve());
  });
  // the miner's circuit breaker (cockatiel) sees the call's whole life as one execution
  state.stats.breaker.execute(() => life).catch(() => {});
  let over = false;
  return (err, latencyMs = 0) => {
    if (over) return;
    over = true;
    state.stats.inFlight--;
    if (err === undefined) state.recordOutcome(true, latencyMs);
    else if (err !== null && isTargetFault(err)) state.recordOutcome(false, 0);
    settleLife(err ?? undefined);
  };
}

export interface Won<T> {
  value: T;
  winner: Ranked;
  /** calls made, the winner's included */
  calls: number;
  latencyMs: number;
  /** the winner's bookkeeping, still open: a stream settles it when it ends */
  settle: Settle;
  /** the miners that failed, for the error message and integrity */
  failed: Ranked[];
}

export interface RaceOptions<T> {
  k: number;
  maxCalls: number;
  signal: Signal;
  provider: string;
  /** releases an answer nobody will read (a late loser's open stream) */
  discard?: (value: T) => void;
}

export function race<T>(ranked: readonly Ranked[], opts: RaceOptions<T>, call: (r: Ranked, signal: Abort) => Promise<T>): Promise<Won<T>> {
  return new Promise((resolve, reject) => {
    const live = new Set<Abort>();
    const errors: string[] = [];
    const failed: Ranked[] = [];
    let last: PolymathError | undefined;
    let next = 0;
    let calls = 0;
    let done = false;
    const end = (err: PolymathError) => {
      done = true;
      for (const c of live) c.abort(RACE_LOST);
      reject(err);
    };
    const launch = () => {
      while (!done && live.size < opts.k && next < ranked.length && calls < opts.maxCalls && !opts.signal.aborted) {
        const r = ranked[next++];
        if (!r.state.stats.admits() || r.state.isQuarantined()) continue;
        calls++;
        const ctrl = new Abort();
        const unfollow = follow(opts.signal, ctrl);
        const settle = track(r.state);
        const t0 = performance.now();
        live.add(ctrl);
        call(r, ctrl).then(
          (value) => {
            live.delete(ctrl);
            unfollow();
            if (done) {
              settle(null);
              opts.discard?.(value);
              return;
            }
            done = true;
            for (const c of live) c.abort(RACE_LOST);
            resolve({ value, winner: r, calls, latencyMs: performance.now() - t0, settle, failed });
          },
          (err: unknown) => {
            live.delete(ctrl);
            unfollow();
            const pe = opts.signal.aborted
              ? new PolymathError('client_closed', 'the client closed the request')
              : ctrl.aborted && ctrl.reason === RACE_LOST
                ? RACE_LOST
                : toPolymathError(err, 'upstream_error');
            settle(pe.kind === 'client_closed' ? null : pe);
            if (done) return;
            if (pe.kind === 'client_closed') return end(pe);
            last = pe;
            failed.push(r);
            if (errors.length < 16) errors.push(pe.message);
            launch();
          },
        );
      }
      if (!done && live.size === 0) {
        if (opts.signal.aborted) return end(new PolymathError('client_closed', 'the client closed the request'));
        if (!last) return end(new PolymathError('no_healthy_target', `${opts.provider}: no miner is available (none active with an axon, or all circuits open or quarantined)`, { provider: opts.provider, retryAfter: 1 }));
        const message = errors.length > 1 ? `${opts.provider}: all ${errors.length} miners called failed: ${errors.join('; ')}` : last.message;
        end(new PolymathError(last.kind, message, { ...last.details, provider: opts.provider, cause: last }));
      }
    };
    launch();
  });
}
