/**
 * The next-lesson jobs: rows claimed with a lease. A worker killed with SIGKILL in the middle of
 * a job loses neither the job nor makes two lessons: another worker takes it once the lease
 * expires and makes the lesson once. Failures are retried with backoff up to max_attempts, then
 * the job is failed with its error and its lesson marked failed. On SQLite and Postgres.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobHooks, nextLessonJob, StoreJobWorker } from '../src/learning/index.js';
import { makeLesson } from '../src/learning/make-lesson.js';
import { runNextLesson, topicCandidates } from '../src/learning/next-lesson.js';
import { getJob, getQuiz, insertJob } from '../src/store/learning/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { DIALECTS, dropSchemas, eventually, startLearningServer } from './helpers/learning.js';

afterAll(dropSchemas);

const WORKER = fileURLToPath(new URL('./fixtures/learning/job-worker.ts', import.meta.url));
const LEASE_MS = 1_500;

function startChild(storeUrl: string, upstream: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env: { ...process.env, STORE_URL: storeUrl, UPSTREAM_URL: upstream, LEASE_MS: String(LEASE_MS) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()).slice(-4_000));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`the worker exited (${code}) before it was ready: ${err}`)));
  });
}

for (const d of DIALECTS) {
  describe.skipIf(!d.available)(`next-lesson jobs on ${d.name}`, () => {
    let url: string;
    let server: Awaited<ReturnType<typeof startLearningServer>>;
    let hanging: FakeOpenAI;
    beforeAll(async () => {
      url = await d.url();
      // This instance writes jobs and never runs them; the workers under test do.
      server = await startLearningServer(url, { jobs: { worker: false } });
      // An upstream that takes requests and never answers: a worker calling it is mid-job.
      hanging = await startFakeOpenAI(() => undefined);
    });
    afterAll(async () => {
      await server?.close();
      await hanging?.close();
    });

    async function submitted(topic: string) {
      const learner = await server.pm.createLearner({ persona: { grade: 5 } });
      const lesson = await server.pm.createLesson(learner.id, { topic });
      const quiz = (await getQuiz(server.runtime.store.db, lesson.quiz!.id))!;
      const answers = quiz.questions.map((q, i) => (q.type === 'multiple_choice' ? (i === 0 ? (q.answer_key.correct_index! + 1) % q.options!.length : q.answer_key.correct_index!) : 'nope'));
      const sub = await server.pm.submitQuiz(quiz.id, { answers }, { idempotencyKey: `k-${topic}` });
      const job = (await nextLessonJob(server.runtime.learning.deps, sub.id))!;
      return { learner, sub, job };
    }

    it('recovers a job whose worker was killed with SIGKILL mid-job, and makes its lesson exactly once', async () => {
      const { learner, sub, job } = await submitted('volcano');
      const before = hanging.received.length;
      const child = await startChild(url, hanging.url);
      const exited = new Promise((r) => child.once('exit', r));
      try {
        // The child has claimed the job and is waiting on the upstream: mid-job.
        await eventually(async () => (hanging.received.length > before ? true : undefined), 30_000, 'the child to call the upstream');
        const running = (await getJob(server.runtime.store.db, job.id))!;
        expect(running).toMatchObject({ status: 'running', attempts: 1 });
        expect(running.locked_by).toContain(`:${child.pid}:`);
      } finally {
        child.kill('SIGKILL');
      }
      expect(await exited).toBe(null);

      // Another worker, on the library, takes the job once the dead worker's lease expires.
      const deps = server.runtime.learning.deps;
      const worker = new StoreJobWorker(deps.store, jobHooks(deps), { leaseMs: LEASE_MS, pollMs: 50, concurrency: 2, backoffMs: 50, backoffMaxMs: 1_000 }, createLogger('silent'));
      worker.start();
      try {
        const done = await eventually(async () => {
          const j = await getJob(deps.store.db, job.id);
          return j?.status === 'done' || j?.status === 'failed' ? j : undefined;
        }, 30_000, 'the job to finish');
        expect(done).toMatchObject({ status: 'done', attempts: 2, last_error: null });
        expect(done.locked_by).toBe(worker.id);
      } finally {
        await worker.close();
      }
      const made = await deps.store.db.selectFrom('lessons').selectAll().where('source_submission_id', '=', sub.id).execute();
      expect(made).toHaveLength(1);
      expect(made[0]).toMatchObject({ id: sub.next_lesson.id, status: 'ready' });
      const quizzes = await deps.store.db.selectFrom('quizzes').select('id').where('lesson_id', '=', made[0].id).execute();
      expect(quizzes).toHaveLength(1);
      // Running the job again (a slow worker finishing late) changes nothing.
      expect(await runNextLesson(deps, job.payload as never, new AbortController().signal)).toBe('already');
      expect(await deps.store.db.selectFrom('quizzes').select('id').where('lesson_id', '=', made[0].id).execute()).toHaveLength(1);
      expect((await server.pm.listLessons(learner.id, 'ready')).map((l) => l.id)).toEqual([made[0].id]);
    });

    it('moves on to the next topic when the content engine cannot write valid content on the weakest one', async () => {
      // On the library, for a grade-5 learner who answered this way on "heart", the lesson on the
      // weakest concept ("internal organ") reads above grade 5: the content engine refuses it
      // (invalid_output). The probe below asserts that premise before the job runs.
      const learner = await server.pm.createLearner({ persona: { grade: 5 } });
      const first = await server.pm.createLesson(learner.id, { topic: 'heart' });
      const quiz = (await getQuiz(server.runtime.store.db, first.quiz!.id))!;
      const sub = await server.pm.submitQuiz(quiz.id, { answers: quiz.questions.map((q) => (q.type === 'multiple_choice' ? 0 : 'x')) }, { idempotencyKey: 'heart-5' });
      const deps = server.runtime.learning.deps;
      const job = (await nextLessonJob(deps, sub.id))!;
      const candidates = await topicCandidates(deps, learner as never, sub.quiz_id);
      await expect(makeLesson(deps, { id: learner.id, persona: learner.persona }, candidates[0], 'probe', new AbortController().signal)).rejects.toMatchObject({ kind: 'invalid_output' });
      const worker = new StoreJobWorker(deps.store, jobHooks(deps), { leaseMs: 10_000, pollMs: 50, concurrency: 1, backoffMs: 50, backoffMaxMs: 50 }, createLogger('silent'));
      await worker.runOnce(job.id);
      expect(await getJob(deps.store.db, job.id)).toMatchObject({ status: 'done', attempts: 1 });
      const lesson = await server.pm.getLesson(learner.id, sub.next_lesson.id);
      expect(lesson.status).toBe('ready');
      expect(lesson.topic).not.toBe(candidates[0]);
      expect(candidates).toContain(lesson.topic);
    });

    it('retries a failing job with exponential backoff, then fails it with its error after max_attempts', async () => {
      let clock = 1_800_000_000_000;
      const deps = server.runtime.learning.deps;
      const failures: string[] = [];
      let calls = 0;
      const worker = new StoreJobWorker(
        deps.store,
        {
          handlers: {
            flaky: async () => {
              calls++;
              throw new Error(`boom ${calls}`);
            },
          },
          onFailed: async (_payload, error) => void failures.push(error),
        },
        { leaseMs: 10_000, pollMs: 50, concurrency: 1, backoffMs: 1_000, backoffMaxMs: 1_500, now: () => clock },
        createLogger('silent'),
      );
      const id = `job_flaky_${d.name}`;
      await insertJob(deps.store.db, { id, type: 'flaky', dedupe_key: id, payload: {}, max_attempts: 3 }, clock);
      expect((await worker.runOnce(id))?.attempts).toBe(1);
      expect(await getJob(deps.store.db, id)).toMatchObject({ status: 'queued', attempts: 1, run_at: clock + 1_000, last_error: 'boom 1', locked_by: null });
      clock += 999;
      expect(await worker.runOnce(id)).toBeUndefined(); // not due yet
      clock += 1;
      await worker.runOnce(id);
      // the second delay doubles, capped at backoff_max_ms
      expect(await getJob(deps.store.db, id)).toMatchObject({ status: 'queued', attempts: 2, run_at: clock + 1_500, last_error: 'boom 2' });
      clock += 1_500;
      await worker.runOnce(id);
      expect(await getJob(deps.store.db, id)).toMatchObject({ status: 'failed', attempts: 3, last_error: 'boom 3' });
      expect(failures).toEqual(['boom 3']);
      clock += 60_000;
      expect(await worker.runOnce(id)).toBeUndefined();
      expect(calls).toBe(3);
    });

    it('marks the lesson failed, with the error, when its job fails for good', async () => {
      const { sub, job } = await submitted('bird');
      const deps = { ...server.runtime.learning.deps };
      // A gateway that cannot write: every attempt fails.
      const failing = await startFakeOpenAI((_req, res) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'upstream is down', type: 'server_error', param: null, code: null } }));
      });
      const { Router, Executor } = await import('../src/routing/index.js');
      const { createProviders } = await import('../src/providers/index.js');
      const { parseConfig } = await import('../src/config/index.js');
      const cfg = parseConfig({ providers: { down: { type: 'openai-compatible', base_url: failing.url, api_key: 'sk-test', default_model: 'gpt-fake' } }, routes: { default: { targets: [{ provider: 'down' }] } } });
      const executor = new Executor({ failures: 100, halfOpenAfterMs: 1_000 });
      deps.gateway = { router: new Router(cfg, createProviders(cfg.providers), executor.stats), executor };
      await deps.store.db.updateTable('learning_jobs').set({ max_attempts: 2 }).where('id', '=', job.id).execute();
      const worker = new StoreJobWorker(deps.store, jobHooks(deps), { leaseMs: 5_000, pollMs: 20, concurrency: 1, backoffMs: 10, backoffMaxMs: 10 }, createLogger('silent'));
      worker.start();
      try {
        await eventually(async () => ((await getJob(deps.store.db, job.id))?.status === 'failed' ? true : undefined), 30_000, 'the job to fail');
      } finally {
        await worker.close();
        await failing.close();
      }
      const failed = (await getJob(deps.store.db, job.id))!;
      expect(failed.attempts).toBe(2);
      expect(failed.last_error).toMatch(/upstream is down|500/);
      const lesson = await server.pm.getLesson(sub.learner_id, sub.next_lesson.id);
      expect(lesson.status).toBe('failed');
      expect(lesson.error).toBe(failed.last_error);
    });
  });
}
