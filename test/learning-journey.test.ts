/**
 * A whole learner journey through the API on the offline library provider (no keys): create a
 * learner, take a lesson, submit its quiz, get feedback, see mastery move, get the next lesson
 * aimed at the weak concept, and review flashcards. On SQLite and on this machine's Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolymathApiError, type LessonView, type SubmissionResult } from '../src/client/index.js';
import { getQuiz } from '../src/store/learning/index.js';
import { DIALECTS, dropSchemas, eventually, startLearningServer } from './helpers/learning.js';

afterAll(dropSchemas);

for (const d of DIALECTS) {
  describe.skipIf(!d.available)(`the learning journey on ${d.name}`, () => {
    let server: Awaited<ReturnType<typeof startLearningServer>>;
    let learnerId: string;
    let first: LessonView;
    let weak: string;
    let submission: SubmissionResult;
    let wrongIdx: Set<number>;
    let firstAnswers: Array<number | string>;

    beforeAll(async () => {
      server = await startLearningServer(await d.url());
    });
    afterAll(async () => {
      await server?.close();
    });

    it('creates a learner (201) and reads it back', async () => {
      const learner = await server.pm.createLearner({ name: 'Ada', persona: { grade: 6, interests: ['geology'] }, subjects: ['volcano'] });
      expect(learner).toMatchObject({ object: 'learner', name: 'Ada', persona: { grade: 6 }, subjects: ['volcano'] });
      learnerId = learner.id;
      expect(await server.pm.getLearner(learnerId)).toEqual(learner);
      const patched = await server.pm.updateLearner(learnerId, { name: 'Ada L.' });
      expect(patched.name).toBe('Ada L.');
      expect(patched.persona).toEqual({ grade: 6, interests: ['geology'] });
    });

    it('makes a lesson whose quiz carries concepts and no answer key', async () => {
      const res = await fetch(`${server.url}/v1/learners/${learnerId}/lessons`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'volcano' }) });
      expect(res.status).toBe(201);
      const text = await res.text();
      for (const secret of ['correct_index', 'accepted_answers', 'rubric']) expect(text).not.toContain(secret);
      first = JSON.parse(text) as LessonView;
      expect(first).toMatchObject({ status: 'ready', topic: 'volcano', target_concepts: ['volcano'] });
      expect(first.lesson?.title).toBeTruthy();
      expect(first.quiz?.questions.length).toBe(5);
      for (const q of first.quiz!.questions) expect(q.concepts.length).toBeGreaterThan(0);
    });

    it('scores a submission on the server, moves mastery up for right answers and down for wrong ones, and gives feedback', async () => {
      const stored = (await getQuiz(server.runtime.store.db, first.quiz!.id))!;
      // The weak concept: one that is not the topic; every question about it is answered wrong.
      weak = stored.questions.flatMap((q) => q.concepts).find((c) => c !== 'volcano')!;
      expect(weak).toBeTruthy();
      wrongIdx = new Set(stored.questions.filter((q) => q.concepts.includes(weak)).map((q) => q.position));
      const answers = stored.questions.map((q) => {
        const right = q.type === 'multiple_choice' ? q.answer_key.correct_index! : q.answer_key.accepted_answers![0].toUpperCase() + '!';
        if (!wrongIdx.has(q.position)) return right;
        return q.type === 'multiple_choice' ? (q.answer_key.correct_index! + 1) % q.options!.length : 'no idea';
      });
      firstAnswers = answers;
      submission = await server.pm.submitQuiz(first.quiz!.id, { answers }, { idempotencyKey: `journey-${d.name}` });
      const right = stored.questions.length - wrongIdx.size;
      expect(submission).toMatchObject({ object: 'quiz.submission', correct_count: right, total: stored.questions.length, score: Math.round((1000 * right) / stored.questions.length) / 10, attempt: 1 });
      expect(submission.results.map((r) => r.correct)).toEqual(stored.questions.map((q) => !wrongIdx.has(q.position)));
      for (const r of submission.results) expect(r.correct_answer).toBeTruthy();
      // Concepts only answered right went up; only answered wrong went down.
      const onlyRight = new Set(stored.questions.filter((q) => !wrongIdx.has(q.position)).flatMap((q) => q.concepts).filter((c) => stored.questions.every((q) => !q.concepts.includes(c) || !wrongIdx.has(q.position))));
      expect(onlyRight.size).toBeGreaterThan(0);
      for (const m of submission.mastery) {
        if (m.concept === weak) expect(m.after).toBeLessThan(m.before);
        if (onlyRight.has(m.concept)) expect(m.after).toBeGreaterThan(m.before);
      }
      // The library writes no feedback: it is composed from the scores, in the feedback kind's shape.
      expect(submission.feedback_source).toBe('scores');
      expect(submission.feedback.what_to_review).toHaveLength(wrongIdx.size);
      expect(submission.feedback.next_steps.join(' ')).toContain(weak);
      expect(submission.next_lesson.status).toBe('queued');
    });

    it('makes the next lesson by itself, aimed at the weak concept, with no question served before', async () => {
      const next = await eventually(async () => {
        const l = await server.pm.getLesson(learnerId, submission.next_lesson.id);
        return l.status === 'ready' || l.status === 'failed' ? l : undefined;
      }, 30_000, 'the next lesson');
      expect(next.error).toBeUndefined();
      expect(next).toMatchObject({ status: 'ready', topic: weak, target_concepts: [weak], after_submission: submission.id });
      const before = new Set(first.quiz!.questions.map((q) => q.question));
      expect(next.quiz!.questions.length).toBeGreaterThan(0);
      for (const q of next.quiz!.questions) expect(before.has(q.question)).toBe(false);
      expect((await server.pm.listLessons(learnerId, 'ready')).map((l) => l.id)).toEqual([next.id]);
      expect((await server.pm.listLessons(learnerId, 'done')).map((l) => l.id)).toEqual([first.id]);
      expect(await server.pm.listLessons(learnerId, 'queued')).toEqual([]);
      // No way of reading a lesson shows its answer key.
      for (const path of [`/v1/learners/${learnerId}/lessons`, `/v1/learners/${learnerId}/lessons/${next.id}`, `/v1/learners/${learnerId}/lessons/${first.id}`]) {
        const text = await (await fetch(`${server.url}${path}`)).text();
        expect(text).toContain('"questions"');
        for (const secret of ['correct_index', 'accepted_answers', 'rubric', 'answer_key']) expect(text).not.toContain(secret);
      }
    });

    it('reports progress: mastery per concept, the weak one needing reinforcement', async () => {
      const p = await server.pm.progress(learnerId);
      expect(p.lessons_completed).toBe(1);
      expect(p.average_score).toBe(submission.score);
      expect(p.recent).toMatchObject([{ submission_id: submission.id, score: submission.score }]);
      const w = p.concepts.find((c) => c.concept === weak)!;
      expect(w).toMatchObject({ attempts: wrongIdx.size, correct: 0, needs_reinforcement: true });
      expect(w.mastery).toBe(submission.mastery.find((m) => m.concept === weak)!.after);
      // weakest first
      expect(p.concepts[0].concept).toBe(weak);
    });

    it('returns the first result for the same Idempotency-Key, 409 for another key, and a retake when asked', async () => {
      const send = (answers: unknown[], key: string) =>
        fetch(`${server.url}/v1/quizzes/${first.quiz!.id}/submissions`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify({ answers }) });
      const again = await send(firstAnswers, `journey-${d.name}`);
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      const replayed = (await again.json()) as SubmissionResult;
      // the first result again, with the next lesson's status as it is now
      expect(replayed).toEqual({ ...submission, next_lesson: { id: submission.next_lesson.id, status: 'ready' } });
      // the same key with a different body is refused
      const reused = await send(firstAnswers.map(() => null), `journey-${d.name}`);
      expect(reused.status).toBe(400);
      expect(((await reused.json()) as { error: { code: string } }).error.code).toBe('idempotency_key_reused');
      const answers = firstAnswers.map((a) => (typeof a === 'number' ? 0 : 'x'));
      const other = await server.pm.submitQuiz(first.quiz!.id, { answers }, { idempotencyKey: `other-${d.name}` }).catch((e: unknown) => e);
      expect(other).toBeInstanceOf(PolymathApiError);
      expect((other as PolymathApiError).status).toBe(409);
      expect((other as PolymathApiError).code).toBe('already_submitted');
      const retake = await server.pm.submitQuiz(first.quiz!.id, { answers, retake: true }, { idempotencyKey: `retake-${d.name}` });
      expect(retake.attempt).toBe(2);
      expect(retake.id).not.toBe(submission.id);
    });

    it('makes flashcards, lists them due, and a review moves the due date by FSRS', async () => {
      const cards = await server.pm.createFlashcards(learnerId, { lesson_id: first.id });
      expect(cards.length).toBeGreaterThan(2);
      for (const c of cards) expect(c).toMatchObject({ state: 'new', reps: 0, topic: 'volcano' });
      const now = new Date(Date.now() + 1_000);
      const due = await server.pm.dueFlashcards(learnerId, now);
      expect(due.map((c) => c.id).sort()).toEqual(cards.map((c) => c.id).sort());
      const reviewed = await server.pm.reviewFlashcard(cards[0].id, { rating: 'good', reviewed_at: now.toISOString() });
      expect(reviewed.card).toMatchObject({ id: cards[0].id, reps: 1, state: 'learning' });
      expect(Date.parse(reviewed.card.due)).toBeGreaterThan(now.getTime());
      const dueAfter = await server.pm.dueFlashcards(learnerId, now);
      expect(dueAfter.map((c) => c.id)).not.toContain(cards[0].id);
      expect(dueAfter).toHaveLength(cards.length - 1);
      const later = await server.pm.dueFlashcards(learnerId, new Date(Date.parse(reviewed.card.due) + 1));
      expect(later.map((c) => c.id)).toContain(cards[0].id);
    });

    it('answers bad input with OpenAI error JSON and a 4xx', async () => {
      const cases: Array<[string, string, unknown, number, string]> = [
        ['POST', '/v1/learners', { persona: { grade: 99 } }, 400, 'invalid_value'],
        ['POST', '/v1/learners', { id: learnerId, persona: {} }, 409, 'learner_exists'],
        ['GET', '/v1/learners/nobody', undefined, 404, 'learner_not_found'],
        ['POST', `/v1/quizzes/${first.quiz!.id}/submissions`, { answers: [0] }, 400, 'wrong_answer_count'],
        ['POST', '/v1/quizzes/nope/submissions', { answers: [0] }, 404, 'quiz_not_found'],
        ['GET', `/v1/learners/${learnerId}/lessons?status=weird`, undefined, 400, 'invalid_value'],
        ['GET', `/v1/learners/${learnerId}/flashcards/due?now=yesterday`, undefined, 400, 'invalid_value'],
        ['POST', '/v1/flashcards/nope/reviews', { rating: 3 }, 404, 'flashcard_not_found'],
        ['POST', `/v1/learners/${learnerId}/flashcards`, { lesson_id: first.id, topic: 'x' }, 400, 'invalid_value'],
      ];
      for (const [method, path, body, status, code] of cases) {
        const res = await fetch(`${server.url}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
        expect(res.status, `${method} ${path}`).toBe(status);
        const err = (await res.json()) as { error: { message: string; type: string; param: unknown; code: string } };
        expect(err.error.code, `${method} ${path}`).toBe(code);
        expect(typeof err.error.message).toBe('string');
        expect(err.error).toHaveProperty('param');
      }
      const cards = await server.pm.dueFlashcards(learnerId);
      const bad = await fetch(`${server.url}/v1/flashcards/${cards[0].id}/reviews`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rating: 'meh' }) });
      expect(bad.status).toBe(400);
    });
  });
}
