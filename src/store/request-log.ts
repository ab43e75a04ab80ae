/**
 * Records every request off the request path: records wait in a bounded queue and are written in
 * batches. When the queue is full the newest records are dropped and counted, never the server.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, RequestRecord } from './schema.js';

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
    private readonly db: Kysely<Database>,
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

  private async writeAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.opts.batchSize);
      try {
        await this.db.insertInto('requests').values(batch).onConflict((oc) => oc.column('id').doNothing()).execute();
      } catch (err) {
        this.logger.error({ err, count: batch.length }, 'could not write request records');
      }
    }
  }
}
