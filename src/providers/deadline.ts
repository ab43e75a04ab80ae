/**
 * A signal that aborts when the caller's does or when `ms` pass, whichever is first. Cheaper than
 * `AbortSignal.any([signal, AbortSignal.timeout(ms)])` on Node 20, and its timer and listener are
 * released by `release()` as soon as the call is over instead of living until the deadline.
 */
export interface Deadline {
  signal: AbortSignal;
  release(): void;
}

export function deadline(parent: AbortSignal, ms: number): Deadline {
  const controller = new AbortController();
  const unfollow = follow(parent, controller);
  if (parent.aborted) return { signal: controller.signal, release() {} };
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms);
  return {
    signal: controller.signal,
    release() {
      clearTimeout(timer);
      unfollow();
    },
  };
}

/**
 * Makes `child` abort when `parent` does, with the parent's reason; answers the function that
 * undoes the link. One listener instead of `AbortSignal.any`, which costs ~25 µs a call on Node 20.
 */
export function follow(parent: AbortSignal, child: AbortController): () => void {
  if (parent.aborted) {
    child.abort(parent.reason);
    return noop;
  }
  const onAbort = () => child.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return () => parent.removeEventListener('abort', onAbort);
}

function noop(): void {}
