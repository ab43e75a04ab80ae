/**
 * A call that ends when the caller's signal aborts or when `ms` pass, whichever is first. Cheaper
 * than `AbortSignal.any([signal, AbortSignal.timeout(ms)])` on Node 20, and its timer and listener
 * are released by `release()` as soon as the call is over instead of living until the deadline.
 */
import { Abort, follow, type Signal } from '../abort.js';

export interface Deadline {
  /** aborts at the deadline or with the caller; undici takes it as a request's signal */
  abort: Abort;
  release(): void;
}

export function deadline(parent: Signal, ms: number): Deadline {
  const abort = new Abort();
  const unfollow = follow(parent, abort);
  if (parent.aborted) return { abort, release() {} };
  const timer = setTimeout(() => abort.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms);
  return {
    abort,
    release() {
      clearTimeout(timer);
      unfollow();
    },
  };
}
