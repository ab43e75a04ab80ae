/**
 * The learning loop: learners, lessons with server-scored quizzes, mastery per concept (BKT), the
 * next lesson after every submission (a durable job), and FSRS flashcards. Content comes only
 * from the content engine; state only through store/learning.
 */
import type { Logger } from 'pino';
import type { LearningConfig } from '../config/learning.js';
import type { Gateway } from '../content/index.js';
import type { Store } from '../store/index.js';
import type { LearningDeps } from './deps.js';
import { BullmqJobRunner } from './jobs/bullmq-runner.js';
import { StoreJobWorker } from './jobs/store-worker.js';
import type { JobHooks, JobRunner } from './jobs/types.js';
import { markNextLessonFailed, runNextLesson, type NextLessonPayload } from './next-lesson.js';
import { NEXT_LESSON_JOB } from './submit.js';

export { createLearner, patchLearner, requireLearner } from './learners.js';
export { createLesson, showLesson, lessonsOf } from './lessons.js';
export { submitQuiz, nextLessonJob, NEXT_LESSON_JOB, type SubmitOutcome } from './submit.js';
export { progressOf } from './progress.js';
export { createFlashcards, dueCards, reviewCard, schedulerFor, toFsrsCard } from './flashcards.js';
export { bktUpdate, bktParamsFor } from './bkt.js';
export { learnerView } from './views.js';
export { StoreJobWorker } from './jobs/store-worker.js';
export { BullmqJobRunner } from './jobs/bullmq-runner.js';
export type { LearningDeps, JobScope, MeteredRun } from './deps.js';

export interface Learning {
  deps: LearningDeps;
  jobs: JobRunner;
  /** starts running next-lesson jobs in this process, as the config says */
  start(): void;
  close(): Promise<void>;
}

export function jobHooks(deps: LearningDeps): JobHooks {
  return {
    handlers: { [NEXT_LESSON_JOB]: (payload, signal) => metered(deps, payload, (d) => runNextLesson(d, payload as unknown as NextLessonPayload, signal)) },
    onFailed: (payload, error) => markNextLessonFailed(deps, payload, error),
  };
}

/** Runs a job with its content calls metered: billed to its learner and the key that queued it. */
async function metered<T>(deps: LearningDeps, payload: Record<string, unknown>, run: (d: LearningDeps) => Promise<T>): Promise<T> {
  if (!deps.meterJob) return run(deps);
  const m = await deps.meterJob({ learnerId: String(payload.learner_id), keyId: typeof payload.key_id === 'string' ? payload.key_id : null }, deps.gateway);
  try {
    const out = await run({ ...deps, gateway: m.gateway });
    m.end();
    return out;
  } catch (err) {
    m.end(err);
    throw err;
  }
}

/** The job runner the config asks for: BullMQ with a Redis URL, else the store's rows. */
export function createJobRunner(deps: LearningDeps, cfg: LearningConfig['jobs'], worker = cfg.worker): JobRunner {
  const hooks = jobHooks(deps);
  if (cfg.redis_url) {
    return new BullmqJobRunner(deps.store, hooks, { redisUrl: cfg.redis_url, queue: cfg.queue, leaseMs: cfg.lease_ms, pollMs: cfg.poll_ms, concurrency: cfg.concurrency, backoffMs: cfg.backoff_ms, work: worker }, deps.logger);
  }
  return new StoreJobWorker(deps.store, hooks, { leaseMs: cfg.lease_ms, pollMs: cfg.poll_ms, concurrency: cfg.concurrency, backoffMs: cfg.backoff_ms, backoffMaxMs: cfg.backoff_max_ms, now: deps.now }, deps.logger);
}

/**
 * `config` is read at each use (a reload applies); the jobs' settings are fixed at start. The job
 * runner starts with `start()` (the server calls it once listening), so a one-shot command over
 * the runtime (`polymath generate`) never takes a job it would abandon.
 */
export function createLearning(store: Store, gateway: Gateway, config: () => LearningConfig, logger: Logger, cfg: LearningConfig['jobs'], meterJob?: LearningDeps['meterJob']): Learning {
  const deps: LearningDeps = { store, gateway, config, logger, ...(meterJob ? { meterJob } : {}) };
  const jobs = createJobRunner(deps, cfg);
  let started = false;
  return {
    deps,
    jobs,
    start() {
      // Without Redis and with the worker off, this instance only writes jobs; another runs them.
      if (started || !(cfg.worker || cfg.redis_url)) return;
      started = true;
      jobs.start();
    },
    close: () => jobs.close(),
  };
}
