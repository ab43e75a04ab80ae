/**
 * Submissions are atomic and idempotent under concurrency: 20 parallel submissions with one
 * Idempotency-Key, split over two instances sharing one store, store one; parallel submissions
 * under different keys store one and get 409s; a failure in the middle of the transaction leaves
 * nothing written. On SQLite and on this machine's Postgres.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LessonView, SubmissionResult } from '../src/client/index.js';
import { submitQuiz } from '../src/learning/index.js';
import { getQuiz } from '../src/store/learning/index.js';
import { DIALECTS, dropSchemas, startLearningServer } from './helpers/learning.js';

afterAll(dropSchemas);

for (const d of DIALECTS) {
  describe.skipIf(!d.available)(`submissions on ${d.name}`, () => {
    let a: Awaited<ReturnType<typeof startLearningServer>>;
    let b: Awaited<ReturnType<typeof startLearningServer>>;
    beforeAll(async () => {
      const url = await d.url();
      // Two instances over one store; the workers are off so the tables hold only what submissions wrote.
      a = await startLearningServer(url, { jobs: { worker: false } });
      b = await startLearningServer(url, { jobs: { worker: false } });
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
    });

    async function lessonWithAnswers(topic: string) {
      const learner = await a.pm.createLearner({ persona: { grade: 7 } });
      const lesson = await a.pm.createLesson(learner.id, { topic });
      const quiz = (await getQuiz(a.runtime.store.db, lesson.quiz!.id))!;
      const answers = quiz.questions.map((q) => (q.type === 'multiple_choice' ? q.answer_key.correct_index! : 'wrong'));
      return { learner, lesson, quiz, answers };
    }

    const post = (url: string, quizId: string, body: unknown, key: string) =>
      fetch(`${url}/v1/quizzes/${quizId}/submissions`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body) });

    async function count(table: 'submissions' | 'quiz_answers' | 'learning_jobs' | 'concept_mastery', learnerOrQuiz: { learner_id?: string; quiz_id?: string }) {
      const db = a.runtime.store.db;
      if (table === 'learning_jobs') {
        const rows = await db.selectFrom('learning_jobs').select('payload').execute();
        return rows.filter((r) => (JSON.parse(r.payload) as { quiz_id: string }).quiz_id === learnerOrQuiz.quiz_id).length;
      }
      const row = await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('learner_id', '=', learnerOrQuiz.learner_id!)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    }

    it('stores one submission for 20 parallel requests with one key, and every one gets its result', async () => {
      const { learner, quiz, answers } = await lessonWithAnswers('volcano');
      const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i % 2 ? a.url : b.url, quiz.id, { answers }, 'same-key')));
      const bodies = await Promise.all(responses.map(async (r) => ({ status: r.status, body: (await r.json()) as SubmissionResult })));
      for (const r of bodies) expect(r.status, JSON.stringify(r.body)).toBe(201);
      const ids = new Set(bodies.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      expect(responses.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
      expect(await count('submissions', { learner_id: learner.id })).toBe(1);
      expect(await count('quiz_answers', { learner_id: learner.id })).toBe(quiz.questions.length);
      expect(await count('learning_jobs', { quiz_id: quiz.id })).toBe(1);
      const lessons = await a.runtime.store.db.selectFrom('lessons').select(['status', 'source_submission_id']).where('learner_id', '=', learner.id).execute();
      expect(lessons.filter((l) => l.status === 'queued')).toEqual([{ status: 'queued', source_submission_id: [...ids][0] }]);
      // mastery moved once: attempts equal one pass over the quiz
      const mastery = await a.runtime.store.db.selectFrom('concept_mastery').selectAll().where('learner_id', '=', learner.id).execute();
      const tagged = quiz.questions.flatMap((q) => q.concepts);
      for (const m of mastery) expect(m.attempts).toBe(tagged.filter((c) => c === m.concept).length);
    });

    it('takes one of several parallel submissions of one quiz under different keys and answers the rest 409', async () => {
      const { learner, quiz, answers } = await lessonWithAnswers('bird');
      const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => post(i % 2 ? a.url : b.url, quiz.id, { answers }, `key-${i}`)));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
      for (const r of responses.filter((x) => x.status === 409)) expect(((await r.json()) as { error: { code: string } }).error.code).toBe('already_submitted');
      expect(await count('submissions', { learner_id: learner.id })).toBe(1);
    });

    it('writes nothing when the transaction fails in the middle (a table gone), and the same key works once it is back', async () => {
      const { learner, lesson, quiz, answers } = await lessonWithAnswers('tree');
      const db = a.runtime.store.db;
      const historyBefore = await db.selectFrom('questions_history').selectAll().where('learner_id', '=', learner.id).orderBy('question_hash').execute();
      // The job row is written after the submission, answers, history, mastery and lesson rows.
      await sql`alter table learning_jobs rename to learning_jobs_away`.execute(db);
      let failed: Response;
      try {
        failed = await post(a.url, quiz.id, { answers }, 'atomic');
      } finally {
        await sql`alter table learning_jobs_away rename to learning_jobs`.execute(db);
      }
      expect(failed.status).toBe(500);
      expect(((await failed.json()) as { error: { type: string } }).error.type).toBe('server_error');
      expect(await count('submissions', { learner_id: learner.id })).toBe(0);
      expect(await count('quiz_answers', { learner_id: learner.id })).toBe(0);
      expect(await count('concept_mastery', { learner_id: learner.id })).toBe(0);
      expect(await db.selectFrom('questions_history').selectAll().where('learner_id', '=', learner.id).orderBy('question_hash').execute()).toEqual(historyBefore);
      const lessons = await db.selectFrom('lessons').select(['id', 'status']).where('learner_id', '=', learner.id).execute();
      expect(lessons).toEqual([{ id: lesson.id, status: 'ready' }]);

      const ok = await post(a.url, quiz.id, { answers }, 'atomic');
      expect(ok.status).toBe(201);
      expect(await count('submissions', { learner_id: learner.id })).toBe(1);
      expect(await count('learning_jobs', { quiz_id: quiz.id })).toBe(1);
    });

    it('rolls back everything when the failure comes right after the answers are written', async () => {
      const { learner, lesson, quiz, answers } = await lessonWithAnswers('river');
      const deps = a.runtime.learning.deps;
      await expect(
        submitQuiz(deps, quiz.id, { answers }, { requestId: 't', signal: new AbortController().signal, idempotencyKey: 'midway', midway: async () => { throw new Error('injected failure'); } }),
      ).rejects.toThrow('injected failure');
      expect(await count('submissions', { learner_id: learner.id })).toBe(0);
      expect(await count('quiz_answers', { learner_id: learner.id })).toBe(0);
      const history = await a.runtime.store.db.selectFrom('questions_history').select('times_answered').where('learner_id', '=', learner.id).execute();
      expect(history.every((h) => h.times_answered === 0)).toBe(true);
      expect((await a.pm.getLesson(learner.id, lesson.id) as LessonView).status).toBe('ready');
    });
  });
}
