/**
 * The pool of long-lived scripts of a persistent `script` provider: at most `size` running, each
 * serving one call at a time; calls beyond them wait in a bounded queue (503 queue_full past
 * it). A worker that exits or is killed is dropped, and a fresh one is started when a call needs it.
 */
import { PolymathError } from '../../errors.js';
import { abortError } from './process.js';
import { ScriptWorker, type WorkerOptions } from './worker.js';

export interface PoolOptions extends WorkerOptions {
  size: number;
  maxQueue: number;
}

interface Waiter {
  signal: AbortSignal;
  resolve(worker: ScriptWorker): void;
  reject(err: Error): void;
}

export class ScriptPool {
  private readonly workers = new Set<ScriptWorker>();
  private readonly idle: ScriptWorker[] = [];
  private readonly waiters: Waiter[] = [];
  private closed = false;

  constructor(private readonly opts: PoolOptions) {}

  /** Starts every worker now, so the first calls do not pay their start-up. */
  warm(): void {
    while (this.workers.size < this.opts.size) this.idle.push(this.spawn());
  }

  /** Running workers' process ids, for health and tests. */
  pids(): number[] {
    return [...this.workers].flatMap((w) => (w.pid === undefined ? [] : [w.pid]));
  }

  async call(line: string, signal: AbortSignal): Promise<string> {
    const worker = await this.acquire(signal);
    try {
      return await worker.call(line, signal);
    } finally {
      this.release(worker);
    }
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(this.closedError());
    for (const w of [...this.workers]) w.kill();
    this.idle.length = 0;
  }

  private acquire(signal: AbortSignal): Promise<ScriptWorker> {
    if (this.closed) return Promise.reject(this.closedError());
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.workers.size < this.opts.size) return Promise.resolve(this.spawn());
    if (this.waiters.length >= this.opts.maxQueue) {
      return Promise.reject(
        new PolymathError('queue_full', `${this.opts.provider}: all ${this.opts.size} scripts are busy and ${this.waiters.length} calls are waiting; try again shortly`, {
          provider: this.opts.provider,
          retryAfter: 1,
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        signal,
        resolve: (w) => {
          signal.removeEventListener('abort', onAbort);
          resolve(w);
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i !== -1) this.waiters.splice(i, 1);
        waiter.reject(abortError(this.opts.provider, signal, this.opts.timeoutMs));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Hands a worker to the next waiting call, or back to the idle list; a dead one is replaced. */
  private release(worker: ScriptWorker): void {
    if (this.closed) return;
    const next = worker.alive ? worker : this.workers.size < this.opts.size && this.waiters.length > 0 ? this.spawn() : undefined;
    if (!next) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(next);
    else this.idle.push(next);
  }

  private spawn(): ScriptWorker {
    const worker = new ScriptWorker(this.opts, (w) => this.dropped(w));
    this.workers.add(worker);
    return worker;
  }

  private dropped(worker: ScriptWorker): void {
    this.workers.delete(worker);
    const i = this.idle.indexOf(worker);
    if (i !== -1) this.idle.splice(i, 1);
  }

  private closedError(): PolymathError {
    return new PolymathError('upstream_unreachable', `${this.opts.provider}: shutting down`, { provider: this.opts.provider });
  }
}
