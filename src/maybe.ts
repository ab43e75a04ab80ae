/**
 * A value now or later. The request path's stages answer at once when they can (the memory state,
 * a cache bypass) and with a promise when they must wait (Redis, a cache lookup): a step that
 * answers at once then costs no turn of the event loop.
 */
export type Maybe<T> = T | Promise<T>;

/** Runs `f` on a value now, or once it arrives. */
export function andThen<T, R>(value: Maybe<T>, f: (v: T) => Maybe<R>): Maybe<R> {
  return value instanceof Promise ? value.then(f) : f(value);
}
