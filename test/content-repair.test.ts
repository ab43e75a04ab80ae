import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { judge } from '../src/content/judge.js';
import { salvage } from '../src/content/salvage.js';
import { quizSchema } from '../src/content/schemas/index.js';
import { SAMPLES } from './content-fixtures.js';
import { completion, json, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { assertSchema } from './helpers/openapi.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

/**
 * A quiz with schema errors (question 2 has no explanation, question 3's key is a string) and
 * check failures on what did parse (question 1 offers the right answer twice, question 4 offers
 * "all of the above"). `title` varies so every attempt is a new answer.
 */
function brokenQuiz(title: string) {
  const [mc1, mc2, sa] = SAMPLES.quiz.questions;
  return {
    title,
    questions: [
      { ...mc1, options: ['Magma', 'magma', 'Ice'] },
      { ...mc2, explanation: undefined },
      { ...mc2, correct_index: '1' },
      { ...mc1, options: ['Magma', 'Sand', 'All of the above'] },
      sa,
    ],
  };
}

const SCHEMA_ERRORS = ['questions.1.explanation', 'questions.2.correct_index'];
const CHECK_FAILURES = ['one_correct_option: question 1', 'no_all_or_none_of_the_above: question 4'];

let upstream: FakeOpenAI;
let pm: TestPolymath;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  pm = await startPolymath({
    providers: { up: { type: 'openai-compatible', base_url: upstream.url, api_key: 'sk-test', default_model: 'gpt-fake' } },
    routes: { default: { targets: [{ provider: 'up' }] } },
  });
});
beforeEach(() => {
  upstream.received.length = 0;
});
afterAll(async () => {
  await pm?.close();
  await upstream?.close();
});

async function post(path: string, body: unknown) {
  const res = await request(`${pm.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.statusCode, body: (await res.body.json()) as { error: { message: string; type: string; code: string } } & Record<string, unknown> };
}

describe('one repair round lists every problem', () => {
  it('sends the schema errors and the failed checks of an invalid quiz together in the first repair', async () => {
    let n = 0;
    upstream.behave = (req, res) => json(res, 200, completion(req.body.model as string, JSON.stringify(n++ === 0 ? brokenQuiz('Volcanoes') : SAMPLES.quiz)));
    const res = await post('/v1/content/quiz', { topic: 'volcano', persona: { grade: 5 } });
    expect(res.status).toBe(200);
    expect(res.body.attempts).toBe(2);
    const repair = upstream.received[1].body.messages.at(-1).content as string;
    for (const problem of [...SCHEMA_ERRORS, ...CHECK_FAILURES]) expect(repair).toContain(problem);
    // the schema's problems come first, then the checks'
    expect(repair.indexOf(SCHEMA_ERRORS[1])).toBeLessThan(repair.indexOf(CHECK_FAILURES[0]));
  });

  it('ends in a 422 whose message lists the schema errors and the failed checks', async () => {
    let n = 0;
    upstream.behave = (req, res) => json(res, 200, completion(req.body.model as string, JSON.stringify(brokenQuiz(`Volcanoes ${n++}`))));
    const res = await post('/v1/content/quiz', { topic: 'volcano', persona: { grade: 5 } });
    expect(res.status).toBe(422);
    assertSchema('ErrorResponse', res.body);
    expect(res.body.error.code).toBe('invalid_output');
    expect(upstream.received).toHaveLength(3);
    for (const problem of [...SCHEMA_ERRORS, ...CHECK_FAILURES]) expect(res.body.error.message).toContain(problem);
  });

  it('lists a reading level far above the learner beside a schema error', async () => {
    const hard = {
      title: 'Photosynthesis',
      questions: [
        {
          type: 'multiple_choice',
          question: 'Which biochemical transformation characteristically synthesizes carbohydrates utilizing electromagnetic radiation absorbed by chlorophyll?',
          options: ['Photosynthesis', 'Fermentation', 'Respiration'],
          correct_index: 0,
          explanation: 'Photosynthesis is the physiological mechanism whereby autotrophic organisms synthesize carbohydrates from atmospheric carbon dioxide.',
        },
        { type: 'short_answer', question: 'Name the pigment responsible for photosynthetic light absorption.', accepted_answers: 'chlorophyll', rubric: '', explanation: 'Chlorophyll absorbs predominantly blue and red wavelengths.' },
      ],
    };
    upstream.behave = (req, res) => json(res, 200, completion(req.body.model as string, JSON.stringify(hard)));
    const res = await post('/v1/content/quiz', { topic: 'photosynthesis', persona: { grade: 3 } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain('questions.1.accepted_answers');
    expect(res.body.error.message).toMatch(/reading_level: reads at grade [\d.]+, more than 2 above the learner's grade 3/);
  });
});

describe('judging an invalid answer', () => {
  it('runs the checks on what parsed and reports both kinds of problem, with a quality report', () => {
    const verdict = judge('quiz', JSON.stringify(brokenQuiz('Volcanoes')), { grade: 5 });
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.errors.filter((e) => SCHEMA_ERRORS.some((s) => e.startsWith(s)))).toHaveLength(2);
    expect(verdict.errors.filter((e) => CHECK_FAILURES.some((c) => e.startsWith(c)))).toHaveLength(2);
    expect(verdict.quality?.passed).toBe(false);
  });

  it('gives only the parse error when no JSON came back', () => {
    const verdict = judge('quiz', 'Sorry, I cannot help with that.', { grade: 5 });
    expect(verdict).toMatchObject({ ok: false, errors: [expect.stringMatching(/not a JSON object/)] });
  });

  it('adds no check failures when everything that parsed is sound', () => {
    const verdict = judge('quiz', JSON.stringify({ ...SAMPLES.quiz, title: 7 }), { grade: 5 });
    expect(verdict).toMatchObject({ ok: false, errors: ['title: Invalid input: expected string, received number'] });
  });
});

describe('salvage', () => {
  it('keeps the valid parts in place and fills the broken leaves with placeholders of the right type', () => {
    const out = salvage(quizSchema, brokenQuiz('Volcanoes')) as { title: string; questions: Array<Record<string, unknown>> };
    expect(out.title).toBe('Volcanoes');
    expect(out.questions).toHaveLength(5);
    expect(out.questions[0]).toEqual(brokenQuiz('Volcanoes').questions[0]);
    expect(out.questions[1].explanation).toBe('');
    expect(out.questions[2].correct_index).toBeNaN();
    expect(out.questions[4]).toEqual(SAMPLES.quiz.questions[2]);
  });

  it('follows a discriminated union by its tag, and makes something of shape from anything', () => {
    const q = salvage(quizSchema, { questions: [{ type: 'short_answer', question: 'Q?', options: ['a'] }] }) as { title: string; questions: Array<Record<string, unknown>> };
    expect(q).toEqual({ title: '', questions: [{ type: 'short_answer', question: 'Q?', accepted_answers: [], rubric: '', explanation: '' }] });
    expect(salvage(quizSchema, [1, 2, 3])).toEqual({ title: '', questions: [] });
    expect(salvage(quizSchema, null)).toEqual({ title: '', questions: [] });
  });
});
