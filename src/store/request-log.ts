/**
 * Records every request off the request path: records wait in a bounded queue and are written in
 * batches. When the queue is full the newest records are dropped and counted, never the server.
 */
import type { Logger } from 'pino';
import type { Store } from './db.js';
import type { RequestRecord } from './schema.js';

export interface RequestLogOptions {
  batchSize: number;
  flushMs: number;
  maxPending: number;
}

export class RequestLog {
  private pending: RequestRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** records dropped because the queue was full */
  dropped = 0;

  constructor(
    private readonly store: Pick<Store, 'insertRequests'>,
    private readonly opts: RequestLogOptions,
    private readonly logger: Logger,
  ) {}

  record(r: RequestRecord): void {
    if (this.pending.length >= this.opts.maxPending) {
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
      }
    }
  }
}
