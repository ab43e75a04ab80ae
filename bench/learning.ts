/**
 * The learning loop over HTTP on the offline library: how long a lesson (lesson + quiz through the
 * content engine, stored), a submission (scoring, composed feedback, the one transaction) and the
 * next lesson (the job, from submission to `ready`) take, and a burst of 20 parallel submissions
 * with one Idempotency-Key; on SQLite (a file) and on Postgres when it is reachable.
 * Run with `npm run bench:learning`; results go in BENCHMARKS.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PolymathClient } from '../src/client/index.js';
import { parseConfig } from '../src/config/index.js';
import { startServer } from '../src/server/index.js';
import { getQuiz } from '../src/store/learning/index.js';
import { createLogger } from '../src/telemetry/logger.js';

const LEARNERS = 30;
const PG_URL = process.env.POLYMATH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TOPICS = ['volcano', 'bird', 'tree', 'river', 'heart', 'planet'];

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const row = (name: string, xs: number[]) => `| ${name} | ${pct(xs, 50).toFixed(1)} | ${pct(xs, 95).toFixed(1)} |`;

async function run(name: string, url: string): Promise<void> {
  const config = parseConfig({
    server: { host: '127.0.0.1', port: 0 },
    store: { url },
    providers: { library: { type: 'library' } },
    routes: { default: { targets: [{ provider: 'library' }] } },
    routing: { health_interval_ms: 0 },
    learning: { jobs: { poll_ms: 20 } },
  });
  const server = await startServer(config, createLogger('silent'));
  const pm = new PolymathClient({ baseUrl: server.url });
  const lessonMs: number[] = [];
  const submitMs: number[] = [];
  const nextMs: number[] = [];
  try {
    for (let i = 0; i < LEARNERS; i++) {
      const learner = await pm.createLearner({ persona: { grade: 6 } });
      let t = performance.now();
      const lesson = await pm.createLesson(learner.id, { topic: TOPICS[i % TOPICS.length] });
      lessonMs.push(performance.now() - t);
      const quiz = (await getQuiz(server.runtime.store.db, lesson.quiz!.id))!;
      const answers = quiz.questions.map((q) => (q.type === 'multiple_choice' ? 0 : 'x'));
      t = performance.now();
      const sub = await pm.submitQuiz(quiz.id, { answers }, { idempotencyKey: `b-${i}` });
      submitMs.push(performance.now() - t);
      for (;;) {
        const next = await pm.getLesson(learner.id, sub.next_lesson.id);
        if (next.status !== 'queued') break;
        await new Promise((r) => setTimeout(r, 5));
      }
      nextMs.push(performance.now() - t);
    }
    const learner = await pm.createLearner({ persona: { grade: 6 } });
    const lesson = await pm.createLesson(learner.id, { topic: 'volcano' });
    const quiz = (await getQuiz(server.runtime.store.db, lesson.quiz!.id))!;
    const answers = quiz.questions.map((q) => (q.type === 'multiple_choice' ? 0 : 'x'));
    const t = performance.now();
    await Promise.all(Array.from({ length: 20 }, () => pm.submitQuiz(quiz.id, { answers }, { idempotencyKey: 'burst' })));
    const burst = performance.now() - t;
    console.log(`\n${name}: ${LEARNERS} learners, one after another\n`);
    console.log('| step | p50 ms | p95 ms |\n|---|---|---|');
    console.log(row('POST lessons (lesson + quiz, stored)', lessonMs));
    console.log(row('POST submissions (scored, one transaction)', submitMs));
    console.log(row('submission → next lesson ready', nextMs));
    console.log(`\n20 parallel submissions with one Idempotency-Key: ${burst.toFixed(1)} ms for all 20 (one stored)`);
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  await run('SQLite (file)', `sqlite://${join(mkdtempSync(join(tmpdir(), 'polymath-bench-learning-')), 'polymath.db')}`);
  const schema = `bench_learning_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  try {
    await admin.connect();
  } catch {
    console.log('\nPostgres not reachable: skipped');
    return;
  }
  await admin.query(`create schema ${schema}`);
  try {
    await run('Postgres', `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`);
  } finally {
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
}

await main();
