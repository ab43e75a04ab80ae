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
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, release() {} };
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms);
  return {
    signal: controller.signal,
    release() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}
