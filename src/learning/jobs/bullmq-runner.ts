/**
 * Runs the same jobs on BullMQ when Redis is configured, so several instances share them. The
 * store row stays the record (it is written in the submission's transaction: nothing is lost if
 * Redis or the process fails before the hand-over); a relay hands due rows to BullMQ under the
 * row's id as BullMQ's job id, so handing one over twice adds it once. BullMQ then owns the lock,
 * stalled-job recovery, retries and backoff; the row mirrors its state for the API.
 */
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { toPolymathError } from '../../errors.js';
import { dueJobs, markJob } from '../../store/learning/index.js';
import type { Store } from '../../store/index.js';
import type { JobHooks, JobRunner } from './types.js';

export interface BullmqRunnerOptions {
  redisUrl: string;
  queue: string;
  /** BullMQ's lock: a worker that stops renewing it for this long loses the job to another */
  leaseMs: number;
  pollMs: number;
  concurrency: number;
  backoffMs: number;
  /** also consume jobs here (false: only hand them over) */
  work: boolean;
}

const RELAY_BATCH = 100;
const CONNECT_TIMEOUT_MS = 5_000;

export class BullmqJobRunner implements JobRunner {
  private connection: Redis | undefined;
  private queue: Queue | undefined;
  private worker: Worker | undefined;
  private workerConnection: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;
  private relaying: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: Pick<Store, 'db' | 'dialect'>,
    private readonly hooks: JobHooks,
    private readonly opts: BullmqRunnerOptions,
    private readonly logger: Logger,
  ) {}

  notify(): void {
    this.relay();
  }

  /** Connects to Redis (not before: a runtime that never starts jobs opens no connection). */
  start(): void {
    if (this.closed || this.queue) return;
    // BullMQ's workers block on Redis: their connection must not give up on a command.
    const connection = new Redis(this.opts.redisUrl, { maxRetriesPerRequest: null, connectTimeout: CONNECT_TIMEOUT_MS });
    connection.on('error', (err) => this.logger.warn({ err: err.message }, 'learning jobs: redis error'));
    this.connection = connection;
    this.queue = new Queue(this.opts.queue, { connection });
    if (this.opts.work) {
      this.workerConnection = connection.duplicate();
      this.worker = new Worker(this.opts.queue, (job) => this.process(job), {
        connection: this.workerConnection,
        concurrency: this.opts.concurrency,
        lockDuration: this.opts.leaseMs,
      });
      this.worker.on('failed', (job, err) => void this.failed(job, err));
      this.worker.on('error', (err) => this.logger.warn({ err: err.message }, 'learning jobs: bullmq worker error'));
    }
    const tick = () => {
      if (this.closed) return;
      this.relay();
      this.timer = setTimeout(tick, this.opts.pollMs);
      this.timer.unref();
    };
    tick();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.relaying;
    await this.worker?.close();
    await this.queue?.close();
    await this.workerConnection?.quit().catch(() => undefined);
    await this.connection?.quit().catch(() => undefined);
  }

  /** Hands the due rows to BullMQ; BullMQ keeps one job per id. */
  private relay(): void {
    this.relaying = this.relaying.then(async () => {
      const queue = this.queue;
      if (this.closed || !queue) return;
      try {
        const due = await dueJobs(this.store.db, Date.now(), RELAY_BATCH);
        if (due.length === 0) return;
        await queue.addBulk(
          due.map((j) => ({
            name: j.type,
            data: { id: j.id, type: j.type, payload: j.payload },
            opts: { jobId: j.id, attempts: j.max_attempts, backoff: { type: 'exponential', delay: this.opts.backoffMs }, removeOnComplete: 1_000, removeOnFail: 5_000 },
          })),
        );
      } catch (err) {
        this.logger.warn({ err: toPolymathError(err).message }, 'learning jobs: could not hand jobs to bullmq');
      }
    });
  }

  private async process(job: Job<{ id: string; type: string; payload: Record<string, unknown> }>): Promise<void> {
    const { id, type, payload } = job.data;
    const attempt = job.attemptsMade + 1;
    await markJob(this.store.db, id, { status: 'running', attempts: attempt, locked_by: `bullmq:${job.queueName}` }, Date.now());
    try {
      const handler = this.hooks.handlers[type];
      if (!handler) throw new Error(`no handler for job type "${type}"`);
      await handler(payload, new AbortController().signal);
    } catch (err) {
      // Recorded here, in order with the attempts; BullMQ retries it after its backoff.
      await this.recordFailure(id, payload, attempt, job.opts.attempts ?? 1, toPolymathError(err).message);
      throw err;
    }
    await markJob(this.store.db, id, { status: 'done', attempts: attempt, last_error: null }, Date.now());
  }

  /** A job BullMQ failed outside the processor (stalled too often): record it. */
  private async failed(job: Job | undefined, err: Error): Promise<void> {
    if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    const { id, payload } = job.data as { id: string; payload: Record<string, unknown> };
    await this.recordFailure(id, payload, job.attemptsMade, job.opts.attempts ?? 1, toPolymathError(err).message);
  }

  private async recordFailure(id: string, payload: Record<string, unknown>, attempt: number, maxAttempts: number, message: string): Promise<void> {
    const last = attempt >= maxAttempts;
    try {
      // Not the last: the row stays `running` (BullMQ holds it), so the relay leaves it alone.
      const changed = await markJob(this.store.db, id, { status: last ? 'failed' : 'running', attempts: attempt, last_error: message }, Date.now());
      if (last && changed) await this.hooks.onFailed(payload, message);
    } catch (e) {
      this.logger.error({ err: e, job: id }, 'learning jobs: could not record a bullmq failure');
    }
  }
}
