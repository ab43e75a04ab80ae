/**
 * The learning API is metered like any other call: a learner's journey (lesson, submission with
 * feedback, the next-lesson job) through a priced fake OpenAI upstream records each content call
 * with the key and the learner as user, returns `x-polymath-cost-usd`, shows the learner's spend in
 * GET /v1/usage, and holds the key's budget (the job's calls count against it too).
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kind } from '../src/content/index.js';
import { getQuiz } from '../src/store/learning/index.js';
import { SAMPLES } from './content-fixtures.js';
import { completion, json, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { eventually, startLearningServer } from './helpers/learning.js';

// Each content call costs 2000 × $10/1M + 1000 × $20/1M = $0.04.
const PRICE = { input: 10, output: 20 };
const USAGE = { prompt_tokens: 2000, completion_tokens: 1000, total_tokens: 3000 };
const PER_CALL = 0.04;

let upstream: FakeOpenAI;
let server: Awaited<ReturnType<typeof startLearningServer>>;
let calls = 0;
let key: string;
let keyId: string;

beforeAll(async () => {
  upstream = await startFakeOpenAI((req, res) => {
    const kind = req.body.response_format?.json_schema?.name as Kind | undefined;
    if (!kind) return json(res, 400, { error: { message: 'no schema', type: 'invalid_request_error', param: null, code: null } });
    calls++;
    // A quiz with questions of its own each time, so the next lesson has questions not yet served.
    const sample = kind === 'quiz' ? { ...SAMPLES.quiz, questions: SAMPLES.quiz.questions.map((q) => ({ ...q, question: `${q.question.slice(0, -1)}, in round ${calls}?` })) } : SAMPLES[kind];
    json(res, 200, { ...completion(req.body.model, JSON.stringify(sample)), usage: USAGE });
  });
  server = await startLearningServer('sqlite://:memory:', { quiz_questions: 3 }, {
    providers: { up: { type: 'openai-compatible', base_url: upstream.url, api_key: 'sk-test', default_model: 'gpt-fake' } },
    routes: { default: { targets: [{ provider: 'up' }] } },
    pricing: { 'up/*': PRICE },
  });
  // $0.20 a day: the lesson ($0.08), the feedback ($0.04) and the next lesson ($0.08) spend it all.
  const made = await server.runtime.keys.create({ name: 'tutor-app', budget: '0.20/day' });
  key = made.secret;
  keyId = made.key.id;
});
afterAll(async () => {
  await server?.close();
  await upstream?.close();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers }, body: JSON.stringify(body) });
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as Record<string, any> };
}

async function usage(groupBy: string) {
  const res = await request(`${server.url}/v1/usage?group_by=${groupBy}`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.statusCode).toBe(200);
  return ((await res.body.json()) as { data: Array<Record<string, any>> }).data;
}

describe('the learning API with a key and prices', () => {
  let learnerId: string;

  it('meters a learner journey: cost headers, records per content call under the learner, the job billed to the key', async () => {
    const learner = await post('/v1/learners', { name: 'Ada', persona: { grade: 5 }, subjects: ['volcano'] });
    expect(learner.status).toBe(201);
    expect(learner.headers['x-polymath-cost-usd']).toBe('0');
    learnerId = learner.body.id;

    const lesson = await post(`/v1/learners/${learnerId}/lessons`, { topic: 'volcano' });
    expect(lesson.status).toBe(201);
    // a lesson and its quiz: two content calls
    expect(Number(lesson.headers['x-polymath-cost-usd'])).toBeCloseTo(2 * PER_CALL, 9);

    const stored = (await getQuiz(server.runtime.store.db, lesson.body.quiz.id))!;
    const answers = stored.questions.map((q) => (q.type === 'multiple_choice' ? (q.answer_key.correct_index! + 1) % q.options!.length : 'no idea'));
    const submission = await post(`/v1/quizzes/${lesson.body.quiz.id}/submissions`, { answers }, { 'idempotency-key': 'metered-1' });
    expect(submission.status).toBe(201);
    expect(submission.body.feedback_source).toBe('content');
    expect(Number(submission.headers['x-polymath-cost-usd'])).toBeCloseTo(PER_CALL, 9);

    // The next-lesson job runs without a request; its two calls are billed to the learner and the key.
    const nextId = submission.body.next_lesson.id as string;
    await eventually(async () => {
      const rows = await usage('user');
      const mine = rows.find((r) => r.group === learnerId);
      return mine && mine.requests === 6 ? mine : undefined;
    }, 30_000, 'the next-lesson job to be recorded');
    const lessons = await request(`${server.url}/v1/learners/${learnerId}/lessons/${nextId}`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await lessons.body.json()) as { status: string }).status).toBe('ready');

    const byUser = await usage('user');
    const mine = byUser.find((r) => r.group === learnerId)!;
    // creating the learner (nothing spent), the lesson and its quiz, the feedback, the next lesson and its quiz
    expect(mine).toMatchObject({ requests: 6, errors: 0, prompt_tokens: 5 * USAGE.prompt_tokens, completion_tokens: 5 * USAGE.completion_tokens });
    expect(mine.cost_usd).toBeCloseTo(5 * PER_CALL, 9);
    const byKind = Object.fromEntries((await usage('kind')).map((r) => [r.group, r.requests]));
    expect(byKind).toMatchObject({ lesson: 2, quiz: 2, feedback: 1 });
    const byKey = await usage('key');
    expect(byKey.find((r) => r.group === keyId)?.cost_usd).toBeCloseTo(5 * PER_CALL, 9);

    await server.runtime.requestLog.flush();
    const job = await server.runtime.store.db.selectFrom('requests').select(['endpoint', 'provider', 'model', 'key_id', 'user_id', 'kind']).where('endpoint', '=', 'next_lesson').orderBy('kind').execute();
    expect(job).toEqual([
      { endpoint: 'next_lesson', provider: 'up', model: 'gpt-fake', key_id: keyId, user_id: learnerId, kind: 'lesson' },
      { endpoint: 'next_lesson', provider: 'up', model: 'gpt-fake', key_id: keyId, user_id: learnerId, kind: 'quiz' },
    ]);
  });

  it("holds the key's budget: once the journey spent it, the next lesson is refused before any call", async () => {
    const before = calls;
    const refused = await post(`/v1/learners/${learnerId}/lessons`, { topic: 'lava' });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
    expect(calls).toBe(before);
  });
});
