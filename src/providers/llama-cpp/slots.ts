/**
 * A fixed set of slots (context sequences) lent out one call at a time, with a bounded wait
 * queue: past `maxQueue` waiting calls, a new call is refused at once with 503 `queue_full`
 * instead of piling up behind a model that cannot keep up.
 */
import { PolymathError } from '../../errors.js';

interface Waiter<T> {
  resolve(slot: T): void;
  reject(err: unknown): void;
}

export class Slots<T> {
  private readonly idle: T[];
  private readonly waiters: Waiter<T>[] = [];
  private closed = false;

  constructor(
    slots: readonly T[],
    private readonly maxQueue: number,
    private readonly providerId: string,
  ) {
    this.idle = [...slots];
  }

  /** calls waiting for a slot right now */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Runs `fn` with a slot, waiting for one (until `signal` aborts) when all are busy. */
  async use<R>(signal: AbortSignal, fn: (slot: T) => Promise<R>): Promise<R> {
    const slot = await this.acquire(signal);
    try {
      return await fn(slot);
    } finally {
      this.release(slot);
    }
  }

  private acquire(signal: AbortSignal): Promise<T> {
    if (this.closed) return Promise.reject(new PolymathError('no_healthy_target', `${this.providerId} is closed`, { provider: this.providerId }));
    if (signal.aborted) return Promise.reject(signal.reason);
    const slot = this.idle.pop();
    if (slot !== undefined) return Promise.resolve(slot);
    if (this.waiters.length >= this.maxQueue) {
      return Promise.reject(
        new PolymathError('queue_full', `${this.providerId} is busy: all sequences are generating and ${this.waiters.length} requests are already waiting`, {
          provider: this.providerId,
          code: 'queue_full',
          retryAfter: 1,
        }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i !== -1) this.waiters.splice(i, 1);
        reject(signal.reason);
      };
      const waiter: Waiter<T> = {
        resolve: (s) => {
          signal.removeEventListener('abort', onAbort);
          resolve(s);
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private release(slot: T): void {
    const next = this.waiters.shift();
    if (next) next.resolve(slot);
    else this.idle.push(slot);
  }

  /** Refuses new calls and fails the waiting ones; calls holding a slot finish on their own. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new PolymathError('no_healthy_target', `${this.providerId} is closing`, { provider: this.providerId }));
  }
}
