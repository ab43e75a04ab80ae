/**
 * Short answers the accepted answers do not match are graded by a model with the rubric when
 * `learning.grading_model` names a route (here a local fake that speaks OpenAI's wire format);
 * when the route fails, the answer stays as the key scored it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getQuiz } from '../src/store/learning/index.js';
import { completion, json, openAIError, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { DIALECTS, dropSchemas, startLearningServer } from './helpers/learning.js';

afterAll(dropSchemas);

for (const d of DIALECTS) {
  describe.skipIf(!d.available)(`short answers graded by rubric on ${d.name}`, () => {
    let grader: FakeOpenAI;
    let server: Awaited<ReturnType<typeof startLearningServer>>;
    let down = false;
    beforeAll(async () => {
      grader = await startFakeOpenAI((req, res) => {
        if (down) return openAIError(res, 500, 'grader is down', 'server_error');
        const user = (req.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === 'user')!.content;
        const correct = /Learner's answer: a tall mountain$/m.test(user);
        json(res, 200, completion(req.body.model as string, JSON.stringify({ correct, reason: correct ? 'Means the same.' : 'Does not match.' })));
      });
      server = await startLearningServer(
        await d.url(),
        { grading_model: 'grading', jobs: { worker: false } },
        {
          providers: { library: { type: 'library' }, grader: { type: 'openai-compatible', base_url: grader.url, api_key: 'sk-test', default_model: 'gpt-grader' } },
          routes: { default: { targets: [{ provider: 'library' }] }, grading: { targets: [{ provider: 'grader' }] } },
        },
      );
    });
    afterAll(async () => {
      await server?.close();
      await grader?.close();
    });

    it('asks the grading route with the rubric, and takes its verdict for answers the key rejected', async () => {
      const learner = await server.pm.createLearner({ persona: { grade: 6 } });
      const lesson = await server.pm.createLesson(learner.id, { topic: 'volcano' });
      const quiz = (await getQuiz(server.runtime.store.db, lesson.quiz!.id))!;
      const shorts = quiz.questions.filter((q) => q.type === 'short_answer');
      expect(shorts.length).toBeGreaterThanOrEqual(2);
      const [first, second] = shorts;
      const answers = quiz.questions.map((q) => (q === first ? 'a tall mountain' : q === second ? 'banana' : q.type === 'multiple_choice' ? q.answer_key.correct_index! : q.answer_key.accepted_answers![0]));
      const before = grader.received.length;
      const sub = await server.pm.submitQuiz(quiz.id, { answers }, { idempotencyKey: 'grading-1' });
      expect(sub.results[first.position]).toMatchObject({ correct: true, graded_by: 'model' });
      expect(sub.results[second.position]).toMatchObject({ correct: false, graded_by: 'model' });
      // answers the key accepted never go to the model
      for (const r of sub.results.filter((x) => x.index !== first.position && x.index !== second.position)) expect(r).toMatchObject({ correct: true, graded_by: 'key' });
      const asked = grader.received.slice(before);
      expect(asked).toHaveLength(2);
      const prompt = JSON.stringify(asked.map((r) => r.body.messages));
      expect(prompt).toContain(first.rubric!.slice(0, 30));
      expect(prompt).toContain(first.question.slice(0, 30));
      expect(sub.correct_count).toBe(quiz.questions.length - 1);
    });

    it('keeps the key’s verdict when the grading route fails', async () => {
      down = true;
      try {
        const learner = await server.pm.createLearner({ persona: { grade: 6 } });
        const lesson = await server.pm.createLesson(learner.id, { topic: 'volcano' });
        const quiz = (await getQuiz(server.runtime.store.db, lesson.quiz!.id))!;
        const answers = quiz.questions.map((q) => (q.type === 'short_answer' ? 'a tall mountain' : q.answer_key.correct_index!));
        const sub = await server.pm.submitQuiz(quiz.id, { answers }, { idempotencyKey: 'grading-2' });
        for (const q of quiz.questions.filter((x) => x.type === 'short_answer')) expect(sub.results[q.position]).toMatchObject({ correct: false, graded_by: 'key' });
      } finally {
        down = false;
      }
    });
  });
}
