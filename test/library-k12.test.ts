import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config/from-env.js';
import { checkContent, proseOf, readingGrade } from '../src/content/quality/index.js';
import { KINDS, type Kind } from '../src/content/schemas/index.js';
import { k12Topics } from './helpers/fixtures.js';
import { assertSchema } from './helpers/openapi.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

/** A fixed seed, so the sample is the same on every run (set K12_SEED to try another). */
const SEED = Number(process.env.K12_SEED ?? 20261130);
const SAMPLE = 15;
const GRADES = [5, 8] as const;
const KINDS_ASKED: Kind[] = ['quiz', 'lesson', 'flashcards'];
/** the refusals a keyless server may give for a topic it cannot teach well */
const REFUSALS: Record<number, string[]> = { 404: ['topic_not_found', 'topic_too_thin'], 422: ['invalid_output'] };

/** mulberry32: a small seeded generator */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample<T>(items: readonly T[], n: number, seed: number): T[] {
  const next = random(seed);
  const pool = [...items];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, n);
}

const topics = sample(k12Topics(), SAMPLE, SEED);

let pm: TestPolymath;
beforeAll(async () => {
  // a keyless newcomer: no config file, no keys, no model
  pm = await startPolymath(configFromEnv({}));
});
afterAll(() => pm?.close());

async function post(path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${pm.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe(`K-12 topics through a keyless server (seed ${SEED}: ${topics.map((t) => t.topic).join(', ')})`, () => {
  const outcomes: Array<{ kind: Kind; ok: boolean }> = [];

  for (const { topic } of topics) {
    for (const grade of GRADES) {
      it(`answers a quiz, a lesson and flashcards on "${topic}" for grade ${grade} that are valid, or refuses with a clear 404 or 422`, async () => {
        for (const kind of KINDS_ASKED) {
          const persona = { grade };
          const res = await post(`/v1/content/${kind}`, { topic, persona });
          if (res.status !== 200) {
            // never an invalid 200, never a 5xx: a refusal in OpenAI's error JSON
            expect(Object.keys(REFUSALS), `${kind} on ${topic}: ${JSON.stringify(res.body)}`).toContain(String(res.status));
            assertSchema('ErrorResponse', res.body);
            expect(REFUSALS[res.status]).toContain(res.body.error.code);
            outcomes.push({ kind, ok: false });
            continue;
          }
          const parsed = KINDS[kind].schema.safeParse(res.body.content);
          expect(parsed.success, `${kind} on ${topic}: ${parsed.error?.message}`).toBe(true);
          const report = checkContent(kind, parsed.data as never, persona);
          expect(report.checks.filter((c) => !c.passed && c.severity === 'error'), `${kind} on ${topic}`).toEqual([]);
          expect(res.body.quality).toEqual(report);
          // the reading level reported is the one measured on the text returned
          const measured = Math.round(readingGrade(proseOf(res.body.content)).grade * 10) / 10;
          const reading = report.checks.find((c) => c.name === 'reading_level');
          expect(reading?.detail).toMatch(new RegExp(`grade ${measured.toFixed(1).replace(/\.0$/, '(?:\\.0)?')}\\b`));
          if (kind === 'quiz') {
            // no question asked twice, not even once as multiple choice and once as short answer
            const asked = (parsed.data as { questions: Array<{ question: string }> }).questions.map((q) => q.question.replace(/^(?:Which|What) word/, 'word'));
            expect(new Set(asked).size, `${topic}: ${asked.join(' | ')}`).toBe(asked.length);
          }
          outcomes.push({ kind, ok: true });
        }
      });
    }
  }

  // The whole list's floor (95% at grade 5 and at grade 8) is measured by `npm run eval:library`;
  // a sample of 15 varies with its topics, so this only catches a fall well below it.
  it('answers at least 75% of the sampled quizzes with valid content', () => {
    const quizzes = outcomes.filter((o) => o.kind === 'quiz');
    expect(quizzes).toHaveLength(topics.length * GRADES.length);
    expect(quizzes.filter((o) => o.ok).length / quizzes.length).toBeGreaterThanOrEqual(0.75);
  });
});
