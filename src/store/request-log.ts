/**
 * Records every request off the request path: records wait in a bounded queue and are written in
 * batches. When the queue is full the newest records are dropped and counted, never the server.
 */
import type { Logger } from 'pino';
import type { Store } from './db.js';
import type { RequestRecord } from './schema.js';

/** how many times a record is offered to the database before it is dropped */
const MAX_TRIES = 5;

export interface RequestLogOptions {
  batchSize: number;
  flushMs: number;
  maxPending: number;
}

export class RequestLog {
  private pending: RequestRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** records dropped because the queue was full, or the database refused them MAX_TRIES times */
  dropped = 0;
  private readonly tries = new WeakMap<RequestRecord, number>();

  constructor(
    private readonly store: Pick<Store, 'insertRequests'>,
    private readonly opts: RequestLogOptions,
    private readonly logger: Logger,
  ) {}

  record(r: RequestRecord): void {
    // A record that carries spend may use a second bound's worth of room: money is dropped last.
    if (this.pending.length >= this.opts.maxPending && !(r.cost_usd && this.pending.length < 2 * this.opts.maxPending)) {
      this.dropped++;
      return;
    }
    this.pending.push(r);
    if (this.pending.length >= this.opts.batchSize) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.opts.flushMs).unref();
  }

  /** Writes everything queued so far; resolves when it is in the database. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.writeAll());
    return this.flushing;
  }

  /**
   * Queues a failed batch again, each record at most MAX_TRIES times in all (a row the database
   * rejects must not be retried forever). Inserts skip ids already written, so a batch that was
   * committed but reported failed (a writer that timed out) is never counted twice.
   */
  private retry(batch: RequestRecord[]): void {
    for (const r of batch) {
      const tries = (this.tries.get(r) ?? 1) + 1;
      if (tries > MAX_TRIES || this.pending.length >= 2 * this.opts.maxPending) {
        this.dropped++;
        continue;
      }
      this.tries.set(r, tries);
      this.pending.push(r);
    }
    if (this.pending.length > 0) this.timer ??= setTimeout(() => void this.flush(), this.opts.flushMs).unref();
  }

  /**
   * Writes what is queued now, in batches. Records that arrive meanwhile wait for the next batch
   * (size or timer): draining them as they trickle in would write a transaction per record.
   */
  private async writeAll(): Promise<void> {
    const rows = this.pending;
    this.pending = [];
    for (let i = 0; i < rows.length; i += this.opts.batchSize) {
      const batch = rows.slice(i, i + this.opts.batchSize);
      try {
        await this.store.insertRequests(batch);
      } catch (err) {
        this.logger.error({ err, count: batch.length }, 'could not write request records');
        this.retry(batch);
      }
    }
  }
}
