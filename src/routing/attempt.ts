/**
 * One call to one target: its deadlines (connect, first token, total), its place in the target's
 * stats and circuit breaker, and, for streams, the wrapper that records the outcome only when the
 * stream has really ended (a stream without a finish reason is a failure).
 */
import { performance } from 'node:perf_hooks';
import { PolymathError, toPolymathError } from '../errors.js';
import { Abort, follow, onAbort, type Signal } from '../abort.js';
import type { CallContext, StreamEvent } from '../providers/types.js';
import type { Target } from './plan.js';
import { isTargetFault } from './stats.js';

/** A stream that has produced content: the events read so far, and the rest still to come. */
export interface OpenStream {
  head: StreamEvent[];
  rest: AsyncIterator<StreamEvent>;
}

/** The most events held back while waiting for a stream's first content. */
const MAX_HEAD_EVENTS = 64;

/** Called once when a call is over: undefined = success, `null` = abandoned (client left, hedge lost). */
export type Finish = (err: PolymathError | undefined | null) => void;

export interface Phases {
  /** the upstream began answering (first streamed event) */
  started(): void;
  /** the first content arrived */
  firstContent(): void;
}

/** How one kind of call (chat, stream, embed) is made, cleaned up and metered. */
export interface CallKind<T> {
  call(t: Target, ctx: CallContext, phases: Phases): Promise<T>;
  /** hands the value out; a stream keeps `finish` until it ends, others call it now */
  commit(value: T, finish: Finish, t: Target): T;
  /** releases a value nobody will read (a hedge's late loser) */
  discard(value: T): void;
}

/** Calls in flight per provider instance, so a provider replaced by a reload closes only once idle. */
const providerLoad = new WeakMap<object, number>();

export function inFlightOf(provider: object): number {
  return providerLoad.get(provider) ?? 0;
}

const NO_PHASES: Phases = { started() {}, firstContent() {} };
const noop = () => {};

/** Why a hedge's slower call was aborted: not the target's fault. */
export const HEDGE_LOST = new PolymathError('client_closed', 'another target answered first (hedge)');

export async function attempt<T>(t: Target, kind: CallKind<T>, signal: Signal, requestId: string, intent: CallContext['intent'], ctrl: Abort | undefined): Promise<T> {
  const timeout = t.timeout;
  if (!ctrl && timeout) ctrl = new Abort();
  // Our own deadlines and hedge aborts go to `ctrl`, which also follows the client's signal.
  const unfollow = ctrl ? follow(signal, ctrl) : noop;
  // The Abort itself, not its AbortSignal: making one costs an AbortController a call, and every
  // provider takes a Signal (abortSignal() where a library needs a real one).
  const callSignal: Signal = ctrl ?? signal;
  const stats = t.stats;
  stats.inFlight++;
  providerLoad.set(t.provider, (providerLoad.get(t.provider) ?? 0) + 1);
  const started = performance.now();
  let latency = 0;

  // The circuit breaker (cockatiel) sees the whole life of the call as one execution.
  let settleLife: (err?: unknown) => void = noop;
  const life = new Promise<void>((resolve, reject) => {
    settleLife = (err) => (err ? reject(err) : resolve());
  });
  stats.breaker.execute(() => life).catch(noop);

  let timers: Array<NodeJS.Timeout> | undefined;
  let phases = NO_PHASES;
  if (timeout && ctrl) {
    const c = ctrl;
    const fire = (what: string) => () => c.abort(new PolymathError('upstream_timeout', `${t.provider.id} did not ${what} in time`, { provider: t.provider.id }));
    timers = [];
    const total = timeout.totalMs !== undefined ? setTimeout(fire(`finish within ${timeout.totalMs} ms`), timeout.totalMs) : undefined;
    const connect = timeout.connectMs !== undefined ? setTimeout(fire(`start answering within ${timeout.connectMs} ms`), timeout.connectMs) : undefined;
    const first = timeout.firstTokenMs !== undefined ? setTimeout(fire(`send a first token within ${timeout.firstTokenMs} ms`), timeout.firstTokenMs) : undefined;
    for (const x of [total, connect, first]) if (x) timers.push(x);
    phases = {
      started: () => connect && clearTimeout(connect),
      firstContent: () => {
        if (connect) clearTimeout(connect);
        if (first) clearTimeout(first);
      },
    };
  }

  let done = false;
  const finish: Finish = (err) => {
    if (done) return;
    done = true;
    if (timers) for (const x of timers) clearTimeout(x);
    unfollow();
    stats.inFlight--;
    providerLoad.set(t.provider, (providerLoad.get(t.provider) ?? 1) - 1);
    if (err === undefined) stats.record(true, latency);
    else if (err !== null && isTargetFault(err)) stats.record(false, 0);
    settleLife(err ?? undefined);
  };

  let value: T;
  try {
    const pending = kind.call(t, { signal: callSignal, model: t.model, requestId, intent }, phases);
    value = await (ctrl ? untilAborted(pending, callSignal) : pending);
  } catch (err) {
    const pe = classify(err, signal, ctrl);
    finish(pe.kind === 'client_closed' ? null : pe);
    throw pe;
  }
  latency = performance.now() - started;
  return kind.commit(value, finish, t);
}

/** Names a failure: the client leaving, our own deadline or hedge abort, or what the provider threw. */
export function classify(err: unknown, clientSignal: Signal, ctrl: Abort | undefined): PolymathError {
  if (clientSignal.aborted) return new PolymathError('client_closed', 'the client closed the request');
  if (ctrl?.aborted && ctrl.reason instanceof PolymathError) return ctrl.reason;
  return toPolymathError(err, 'upstream_error');
}

/** Settles with the promise, or rejects as soon as the signal aborts (for a provider that ignores it). */
function untilAborted<T>(pending: Promise<T>, signal: Signal): Promise<T> {
  if (signal.aborted) {
    pending.catch(noop);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const stop = onAbort(signal, () => reject(signal.reason));
    pending.then(
      (v) => {
        stop();
        resolve(v);
      },
      (e) => {
        stop();
        reject(e);
      },
    );
  });
}

/**
 * Reads a stream until its first event with content (text, a tool call or a finish), so that a
 * failure before it can still fall through to the next target.
 */
export async function openStream(events: AsyncIterable<StreamEvent>, phases: Phases, provider: string): Promise<OpenStream> {
  const rest = events[Symbol.asyncIterator]();
  const head: StreamEvent[] = [];
  try {
    while (head.length < MAX_HEAD_EVENTS) {
      const next = await rest.next();
      if (next.done) throw new PolymathError('upstream_error', `${provider} ended the stream before any content`, { provider });
      phases.started();
      head.push(next.value);
      if (hasContent(next.value)) {
        phases.firstContent();
        return { head, rest };
      }
    }
  } catch (err) {
    await rest.return?.().catch(noop);
    throw err;
  }
  phases.firstContent();
  return { head, rest };
}

export function hasContent(event: StreamEvent): boolean {
  const choice = event.chunk.choices?.[0];
  if (!choice) return event.chunk.usage != null;
  const d = choice.delta;
  return Boolean(d?.content) || Boolean(d?.tool_calls?.length) || Boolean(d?.refusal) || choice.finish_reason != null;
}

function hasFinish(event: StreamEvent): boolean {
  const choices = event.chunk.choices;
  if (!choices) return false;
  for (const c of choices) if (c.finish_reason != null) return true;
  return false;
}

/**
 * The rest of a committed stream, recording its outcome when it ends: done after a finish reason
 * is a success; an error, or an end without a finish reason, is the target's failure; the
 * consumer stopping early (client gone) is neither.
 */
export function trackStream(open: OpenStream, finish: Finish, provider: string, signal: Signal): OpenStream {
  const inner = open.rest;
  let finished = open.head.some(hasFinish);
  const rest: AsyncIterator<StreamEvent> = {
    async next() {
      let r: IteratorResult<StreamEvent>;
      try {
        r = await inner.next();
      } catch (err) {
        const pe = classify(err, signal, undefined);
        finish(pe.kind === 'client_closed' ? null : pe);
        throw pe;
      }
      if (r.done) {
        if (!finished) {
          const pe = new PolymathError('upstream_error', `${provider} ended the stream without a finish reason`, { provider });
          finish(pe);
          throw pe;
        }
        finish(undefined);
      } else if (!finished && hasFinish(r.value)) {
        finished = true;
      }
      return r;
    },
    async return() {
      finish(null);
      await inner.return?.();
      return { done: true, value: undefined };
    },
  };
  return { head: open.head, rest };
}
