/**
 * Cancellation on the request path. Listening to a Node 20 AbortSignal is costly: one
 * addEventListener/removeEventListener pair on it added 40–50 µs to a proxied request in
 * bench:overhead, where an EventEmitter listener adds well under one. An `Abort` is an
 * AbortController whose listeners are EventEmitter listeners: Polymath's own code, and undici
 * (which takes an EventEmitter as a request's signal), listen to it cheaply, while `signal` is a
 * real AbortSignal for everything that needs one (fetch, node-llama-cpp, child processes).
 */
import { EventEmitter } from 'node:events';

/**
 * What the request path passes down as a call's signal: the request's own Abort (no AbortSignal
 * made at all unless a library needs one) or any AbortSignal. `abortSignal()` gives a real one.
 */
export type Signal = AbortSignal | Abort;

/** What a caller reads to tell why a call ended: an AbortSignal or an Abort. */
export type AbortState = Pick<AbortSignal, 'aborted' | 'reason'>;

/** Links a real AbortSignal back to the Abort that owns it, so listening to it stays cheap. */
const OWNER = Symbol('polymath.abort');
type Owned = AbortSignal & { [OWNER]?: Abort };

export class Abort extends EventEmitter {
  /** made on first use of `signal`: most calls only ever need the emitter (~7 µs saved a call) */
  private controller: AbortController | undefined;
  private abortedWith: { reason: unknown } | undefined;

  constructor() {
    super();
    // One listener per call made for the request (deadline, attempt, hedge): a handful, never unbounded.
    this.setMaxListeners(64);
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      (this.controller.signal as Owned)[OWNER] = this;
      if (this.abortedWith) this.controller.abort(this.abortedWith.reason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.abortedWith !== undefined;
  }

  get reason(): unknown {
    return this.abortedWith?.reason;
  }

  abort(reason: unknown = new DOMException('This operation was aborted', 'AbortError')): void {
    if (this.abortedWith) return;
    this.abortedWith = { reason };
    this.controller?.abort(reason);
    this.emit('abort');
  }
}

/** A real AbortSignal, for libraries that need one (fetch, node-llama-cpp, AbortSignal.any). */
export function abortSignal(signal: Signal): AbortSignal {
  return signal instanceof Abort ? signal.signal : signal;
}

/** Calls `listener` once when `signal` aborts; answers the function that stops listening. */
export function onAbort(signal: Signal, listener: () => void): () => void {
  const owner = signal instanceof Abort ? signal : (signal as Owned)[OWNER];
  if (owner) {
    owner.once('abort', listener);
    return () => owner.removeListener('abort', listener);
  }
  const real = signal as AbortSignal;
  real.addEventListener('abort', listener, { once: true });
  return () => real.removeEventListener('abort', listener);
}

/** Makes `child` abort when `parent` does, with the parent's reason; answers the function that undoes the link. */
export function follow(parent: Signal, child: Abort): () => void {
  if (parent.aborted) {
    child.abort(parent.reason);
    return noop;
  }
  return onAbort(parent, () => child.abort(parent.reason));
}

function noop(): void {}
