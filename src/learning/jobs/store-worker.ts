/**
 * Runs jobs from the store's rows (no Redis): claims them with a lease, renews the lease while a
 * job runs, retries failures with backoff, and fails a job for good after its last attempt. Any
 * number of these workers, in any number of processes, can share one database.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { toPolymathError } from '../../errors.js';
import { claimJob, completeJob, failAbandonedJobs, failJobAttempt, renewLease, type JobRecord } from '../../store/learning/index.js';
import type { Store } from '../../store/index.js';
import { backoffMs, type JobHooks, type JobRunner } from './types.js';

export interface StoreWorkerOptions {
  leaseMs: number;
  pollMs: number;
  concurrency: number;
  backoffMs: number;
  backoffMaxMs: number;
  now?: () => number;
}

export class StoreJobWorker implements JobRunner {
  /** who holds a lease: host, process and a random part */
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly stopping = new AbortController();
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly wanted: string[] = [];

  constructor(
    private readonly store: Pick<Store, 'db' | 'dialect'>,
    private readonly hooks: JobHooks,
    private readonly opts: StoreWorkerOptions,
    private readonly logger: Logger,
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  notify(jobId: string): void {
    if (this.wanted.length < 1_000) this.wanted.push(jobId);
    this.wake?.();
  }

  start(): void {
    this.loop ??= this.run();
  }

  async close(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    for (const r of this.running.values()) r.controller.abort(new Error('the worker is stopping'));
    await this.loop;
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /** Claims and runs at most one job (the given one, or the oldest due); resolves when it is finished. */
  async runOnce(id?: string): Promise<JobRecord | undefined> {
    const job = await claimJob(this.store.db, this.store.dialect, this.id, this.opts.leaseMs, this.now(), id);
    if (job) await this.execute(job);
    return job;
  }

  private async run(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      try {
        for (const abandoned of await failAbandonedJobs(this.store.db, this.now())) {
          await this.hooks.onFailed(abandoned.payload, 'the worker stopped before finishing (lease expired) on every attempt');
        }
        let claimed = false;
        while (this.running.size < this.opts.concurrency && !this.stopping.signal.aborted) {
          // A job just queued here first (taken already by another worker: then any due job).
          const wantedId = this.wanted.shift();
          const job = await claimJob(this.store.db, this.store.dialect, this.id, this.opts.leaseMs, this.now(), wantedId);
          if (!job) {
            if (wantedId !== undefined) continue;
            break;
          }
          claimed = true;
          const controller = new AbortController();
          const done = this.execute(job, controller).finally(() => {
            this.running.delete(job.id);
            this.wake?.();
          });
          this.running.set(job.id, { controller, done });
        }
        if (claimed && this.running.size < this.opts.concurrency) continue;
      } catch (err) {
        this.logger.error({ err }, 'learning jobs: could not claim a job');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.opts.pollMs);
        timer.unref();
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  private async execute(job: JobRecord, controller = new AbortController()): Promise<void> {
    const { db } = this.store;
    // Renew the lease while the job runs; a lease lost (this worker was too slow) stops it.
    const heartbeat = setInterval(() => {
      renewLease(db, job.id, this.id, this.now() + this.opts.leaseMs, this.now())
        .then((held) => {
          if (!held) controller.abort(new Error('the job lease was lost to another worker'));
        })
        .catch((err: unknown) => this.logger.warn({ err, job: job.id }, 'learning jobs: could not renew a lease'));
    }, Math.max(10, Math.floor(this.opts.leaseMs / 3)));
    heartbeat.unref();
    try {
      const handler = this.hooks.handlers[job.type];
      if (!handler) throw new Error(`no handler for job type "${job.type}"`);
      await handler(job.payload, controller.signal);
      await completeJob(db, job.id, this.id, this.now());
    } catch (err) {
      const message = toPolymathError(err).message;
      const status = await failJobAttempt(db, job, this.id, message, this.now() + backoffMs(job.attempts, this.opts.backoffMs, this.opts.backoffMaxMs), this.now()).catch((e: unknown) => {
        this.logger.error({ err: e, job: job.id }, 'learning jobs: could not record a failed attempt');
        return 'unknown';
      });
      this.logger.warn({ job: job.id, type: job.type, attempt: job.attempts, status, error: message }, 'learning job attempt failed');
      if (status === 'failed') await this.hooks.onFailed(job.payload, message).catch((e: unknown) => this.logger.error({ err: e }, 'learning jobs: onFailed'));
    } finally {
      clearInterval(heartbeat);
    }
  }
}
