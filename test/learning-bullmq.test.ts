/**
 * With Redis configured, the next-lesson jobs run on BullMQ (this machine's Redis, a queue name
 * unique to the run): two instances share one store and one queue, and every submission still
 * gets exactly one next lesson. On SQLite and on Postgres.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullmqJobRunner, nextLessonJob } from '../src/learning/index.js';
import { getJob, getQuiz, insertJob } from '../src/store/learning/index.js';
import { migrateToLatest, openStore } from '../src/store/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { DIALECTS, dropSchemas, eventually, startLearningServer } from './helpers/learning.js';
import { REDIS_URL, redisAvailable } from './helpers/services.js';

afterAll(dropSchemas);

for (const d of DIALECTS) {
  describe.skipIf(!d.available || !redisAvailable)(`next-lesson jobs on BullMQ (${d.name})`, () => {
    const queue = `polymath-test-learning-${process.pid}-${randomBytes(4).toString('hex')}`;
    let a: Awaited<ReturnType<typeof startLearningServer>>;
    let b: Awaited<ReturnType<typeof startLearningServer>>;
    beforeAll(async () => {
      const url = await d.url();
      const learning = { jobs: { redis_url: REDIS_URL, queue, poll_ms: 100 } };
      a = await startLearningServer(url, learning);
      b = await startLearningServer(url, learning);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      const q = new Queue(queue, { connection: { url: REDIS_URL } });
      await q.obliterate({ force: true });
      await q.close();
    });

    it('makes exactly one next lesson per submission, the jobs shared by two instances through BullMQ', async () => {
      const subs = [];
      for (const [i, topic] of ['volcano', 'bird', 'tree'].entries()) {
        const pm = i % 2 ? b.pm : a.pm;
        const learner = await pm.createLearner({ persona: { grade: 6 } });
        const lesson = await pm.createLesson(learner.id, { topic });
        const quiz = (await getQuiz(a.runtime.store.db, lesson.quiz!.id))!;
        subs.push(await pm.submitQuiz(quiz.id, { answers: quiz.questions.map((q) => (q.type === 'multiple_choice' ? 0 : 'x')) }, { idempotencyKey: `bull-${i}` }));
      }
      const deps = a.runtime.learning.deps;
      const q = new Queue(queue, { connection: { url: REDIS_URL } });
      try {
        for (const sub of subs) {
          const job = (await nextLessonJob(deps, sub.id))!;
          const done = await eventually(async () => {
            const j = await getJob(deps.store.db, job.id);
            return j?.status === 'done' || j?.status === 'failed' ? j : undefined;
          }, 30_000, `job ${job.id}`);
          expect(done).toMatchObject({ status: 'done', attempts: 1, last_error: null });
          expect(done.locked_by).toBe(`bullmq:${queue}`);
          // BullMQ ran it under the row's id, once
          const bull = await q.getJob(job.id);
          expect(bull?.finishedOn).toBeGreaterThan(0);
          expect(bull?.attemptsStarted).toBe(1);
          const made = await deps.store.db.selectFrom('lessons').select(['id', 'status']).where('source_submission_id', '=', sub.id).execute();
          expect(made).toEqual([{ id: sub.next_lesson.id, status: 'ready' }]);
          expect(await deps.store.db.selectFrom('quizzes').select('id').where('lesson_id', '=', sub.next_lesson.id).execute()).toHaveLength(1);
        }
        const counts = await q.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
        expect(counts).toMatchObject({ completed: 3, failed: 0, waiting: 0, active: 0, delayed: 0 });
      } finally {
        await q.close();
      }
    });

    it('retries a failing job on BullMQ with backoff, then marks its row failed with the error', async () => {
      // A store of its own: every runner on one store hands its due rows to its queue.
      const store = openStore(await d.url());
      await migrateToLatest(store.db);
      const deps = { store };
      const failQueue = `${queue}-fail`;
      const failures: string[] = [];
      let calls = 0;
      const runner = new BullmqJobRunner(
        deps.store,
        {
          handlers: {
            flaky: async () => {
              calls++;
              throw new Error(`boom ${calls}`);
            },
          },
          onFailed: async (_p, error) => void failures.push(error),
        },
        { redisUrl: REDIS_URL, queue: failQueue, leaseMs: 5_000, pollMs: 50, concurrency: 1, backoffMs: 20, work: true },
        createLogger('silent'),
      );
      const id = `job_bull_flaky_${d.name}`;
      await insertJob(deps.store.db, { id, type: 'flaky', dedupe_key: id, payload: {}, max_attempts: 3 }, Date.now());
      runner.start();
      try {
        const failed = await eventually(async () => {
          const j = await getJob(deps.store.db, id);
          return j?.status === 'failed' ? j : undefined;
        }, 30_000, 'the job to fail');
        expect(failed).toMatchObject({ attempts: 3, last_error: 'boom 3' });
        expect(calls).toBe(3);
        expect(failures).toEqual(['boom 3']);
      } finally {
        await runner.close();
        await store.close();
        const q = new Queue(failQueue, { connection: { url: REDIS_URL } });
        await q.obliterate({ force: true });
        await q.close();
      }
    });
  });
}
