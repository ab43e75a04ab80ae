/**
 * `npm run eval:library`: the offline WordNet `library` route on the K-12 topic list
 * (test/fixtures/k12-topics.json) at grades 5 and 8, for quizzes, lessons and flashcards, through
 * the content engine in-process (the path a keyless `POST /v1/content/:kind` takes). Each answer is
 * re-checked here on its own: schema-valid and no failed error check, else a 404 or a 422.
 * Writes the totals and the per-topic table to EVAL.md (replacing its own section).
 *
 *   npm run eval:library -- [--kinds quiz,lesson,flashcards] [--grades 5,8] [--out EVAL.md] [--no-write]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/index.js';
import { checkContent, generateContent, isKind, KINDS, parseContentBody, type Kind } from '../src/content/index.js';
import { proseOf, readingGrade } from '../src/content/quality/index.js';
import { toPolymathError } from '../src/errors.js';
import { createRuntime } from '../src/runtime.js';
import { createLogger } from '../src/telemetry/logger.js';
import { k12Topics } from '../test/helpers/fixtures.js';

const SECTION = '## Library on K-12 topics';

const { values } = parseArgs({
  options: {
    kinds: { type: 'string', default: 'quiz,lesson,flashcards' },
    grades: { type: 'string', default: '5,8' },
    out: { type: 'string', default: 'EVAL.md' },
    'no-write': { type: 'boolean' },
  },
});

/** One answer: valid (with its reading grade), or the status and code of the refusal. */
type Cell = { ok: true; grade: number; warned: string[] } | { ok: false; status: number; code: string; message: string };

interface Column {
  kind: Kind;
  grade: number;
}

async function main(): Promise<void> {
  const kinds = values.kinds!.split(',').map((s) => s.trim()).filter((k): k is Kind => {
    if (!isKind(k)) throw new Error(`unknown kind "${k}"`);
    return true;
  });
  const grades = values.grades!.split(',').map(Number);
  const columns: Column[] = kinds.flatMap((kind) => grades.map((grade) => ({ kind, grade })));
  const topics = k12Topics();
  const config = parseConfig({ store: { url: 'sqlite://:memory:' }, providers: { library: { type: 'library' } }, routes: { default: { targets: [{ provider: 'library' }] } } });
  const rt = await createRuntime(config, createLogger('silent'));
  const cells = new Map<string, Cell[]>();
  const latencies: number[] = [];
  try {
    for (const { topic } of topics) {
      const row: Cell[] = [];
      for (const { kind, grade } of columns) {
        const started = performance.now();
        row.push(await run(rt, kind, topic, grade));
        latencies.push(performance.now() - started);
      }
      cells.set(topic, row);
    }
  } finally {
    await rt.close();
  }
  const section = report(topics, columns, cells, latencies);
  process.stdout.write(section);
  if (!values['no-write']) write(values.out!, section);
  const invalid = [...cells.values()].flat().filter((c) => !c.ok && c.status === 200).length;
  if (invalid > 0) process.exitCode = 1;
}

async function run(rt: Awaited<ReturnType<typeof createRuntime>>, kind: Kind, topic: string, grade: number): Promise<Cell> {
  const persona = { grade };
  try {
    const result = await generateContent(rt, parseContentBody(kind, { topic, persona }), { signal: AbortSignal.timeout(60_000), requestId: `eval-${kind}-${topic}` });
    // checked again here, not taken on the engine's word
    const parsed = KINDS[kind].schema.safeParse(result.content);
    const report = parsed.success ? checkContent(kind, parsed.data as never, persona) : undefined;
    if (!parsed.success || !report?.passed) return { ok: false, status: 200, code: 'INVALID', message: parsed.error?.message ?? JSON.stringify(report?.checks.filter((c) => !c.passed)) };
    return { ok: true, grade: readingGrade(proseOf(result.content)).grade, warned: report.checks.filter((c) => !c.passed).map((c) => c.name) };
  } catch (err) {
    const pe = toPolymathError(err);
    const status = pe.kind === 'not_found' ? 404 : pe.kind === 'invalid_output' ? 422 : 500;
    return { ok: false, status, code: pe.details.code ?? pe.kind, message: pe.message };
  }
}

function count(names: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of names) out.set(n, (out.get(n) ?? 0) + 1);
  return out;
}

const pct = (a: number, b: number) => (b === 0 ? '–' : `${((100 * a) / b).toFixed(1)}%`);

function report(topics: Array<{ topic: string; subject: string }>, columns: Column[], cells: Map<string, Cell[]>, latencies: number[]): string {
  const head = columns.map((c) => `${c.kind} g${c.grade}`);
  const totals = columns.map((_, i) => {
    const col = topics.map((t) => cells.get(t.topic)![i]);
    const ok = col.filter((c) => c.ok);
    const refusals = new Map<string, number>();
    for (const c of col) if (!c.ok) refusals.set(`${c.status} ${c.code}`, (refusals.get(`${c.status} ${c.code}`) ?? 0) + 1);
    const grades = ok.map((c) => (c.ok ? c.grade : 0)).sort((a, b) => a - b);
    const median = grades.length ? grades[Math.floor(grades.length / 2)] : NaN;
    return { valid: ok.length, n: col.length, median, max: grades.at(-1) ?? NaN, refusals, warned: count(ok.flatMap((c) => (c.ok ? c.warned : []))) };
  });
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const cell = (c: Cell) => (c.ok ? `✓ ${c.grade.toFixed(1)}${c.warned.length ? ' (w)' : ''}` : c.status === 200 ? '**INVALID 200**' : `${c.status} ${c.code}`);
  const lines = [
    SECTION,
    '',
    `Produced by \`npm run eval:library\` (eval/library.ts): ${topics.length} topics from \`test/fixtures/k12-topics.json\` (science, maths, history, geography, language) through a keyless route (the \`library\` provider only), in-process via the content engine. ${new Date().toISOString().slice(0, 10)} · machine: ${cpus().length} cores, Node ${process.versions.node} · latency per request p50 ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms.`,
    '',
    '| | ' + head.join(' | ') + ' |',
    '|---|' + head.map(() => '---:').join('|') + '|',
    `| **valid** (schema-valid, every error-level check passed) | ${totals.map((t) => `**${pct(t.valid, t.n)}** (${t.valid}/${t.n})`).join(' | ')} |`,
    `| reading grade of the valid answers: median / max | ${totals.map((t) => `${t.median.toFixed(1)} / ${t.max.toFixed(1)}`).join(' | ')} |`,
    `| valid with a failed warning-level check | ${totals.map((t) => [...t.warned].map(([k, v]) => `${k} ×${v}`).join(', ') || '–').join(' | ')} |`,
    `| refused (status, code) | ${totals.map((t) => [...t.refusals].map(([k, v]) => `${k} ×${v}`).join(', ') || '–').join(' | ')} |`,
    '',
    'A refusal is a 404 (`topic_not_found`: WordNet lacks the phrase; `topic_too_thin`: too little to build from) or a 422',
    '(`invalid_output`: the built text still fails a check, e.g. reads too hard); an invalid 200 would be a bug and is shown',
    'as **INVALID 200**. A grade is the Flesch–Kincaid grade of the answer\'s prose, the measure the `reading_level` check uses',
    '(an error above the learner\'s grade + 2, a warning below grade − 2); (w) marks a valid answer with a failed warning-level check.',
    '',
    'Refused, by column (the 422s give the measured reading grade in their message):',
    '',
    ...columns.map((c, i) => {
      const refused = topics.filter((t) => !cells.get(t.topic)![i].ok).map((t) => t.topic);
      return `- ${c.kind} g${c.grade}: ${refused.join(', ') || 'none'}`;
    }),
    '',
    '<details><summary>Per topic</summary>',
    '',
    '| subject | topic | ' + head.join(' | ') + ' |',
    '|---|---|' + head.map(() => '---:').join('|') + '|',
    ...topics.map((t) => `| ${t.subject} | ${t.topic} | ${cells.get(t.topic)!.map(cell).join(' | ')} |`),
    '',
    '</details>',
    '',
  ];
  return `${lines.join('\n')}\n`;
}

/** Replaces this evaluation's section of EVAL.md (or appends it), keeping the others. */
function write(file: string, section: string): void {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Content evaluation\n';
  const start = old.indexOf(SECTION);
  let next = start === -1 ? -1 : old.indexOf('\n## ', start + 1);
  if (next !== -1) next += 1;
  const updated = start === -1 ? `${old.trimEnd()}\n\n${section}` : `${old.slice(0, start)}${section}${next === -1 ? '' : `\n${old.slice(next)}`}`;
  writeFileSync(file, updated);
  process.stderr.write(`wrote ${file}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`eval: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
