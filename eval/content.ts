/**
 * `npm run eval:content`: topics × kinds through one route, in-process (no HTTP). Reports per kind
 * the schema-valid rate, the rate of results passing every check (warnings included), repairs
 * needed and latency, and writes the table to EVAL.md (replacing the section for that route).
 *
 *   npm run eval:content -- [--model library] [--config polymath.yaml] [--topics a,b] [--kinds quiz,lesson]
 *                           [--grade 5] [--out EVAL.md] [--no-write]
 *
 * Without --config the route runs over an offline config: the WordNet `library` provider, plus
 * `llama` (llama-cpp) when POLYMATH_LOCAL_MODEL or the vendored test/fixtures/models/stories260K.gguf exists.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig, parseConfig, type Config } from '../src/config/index.js';
import { generateContent, isKind, KIND_NAMES, KINDS, parseContentBody, type Kind } from '../src/content/index.js';
import { toPolymathError } from '../src/errors.js';
import { createRuntime } from '../src/runtime.js';
import { createLogger } from '../src/telemetry/logger.js';

const DEFAULT_TOPICS = ['photosynthesis', 'volcano', 'fraction', 'democracy', 'gravity', 'mammal', 'river', 'electricity'];
import { STORIES_MODEL } from '../test/helpers/fixtures.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'library' },
    config: { type: 'string' },
    topics: { type: 'string' },
    kinds: { type: 'string' },
    grade: { type: 'string', default: '5' },
    out: { type: 'string', default: 'EVAL.md' },
    'no-write': { type: 'boolean' },
  },
});

function offlineConfig(): Config {
  const model = process.env.POLYMATH_LOCAL_MODEL ?? (existsSync(STORIES_MODEL) ? STORIES_MODEL : undefined);
  return parseConfig({
    store: { url: 'sqlite://:memory:' },
    providers: { library: { type: 'library' }, ...(model ? { llama: { type: 'llama-cpp', model_path: model } } : {}) },
    routes: { default: { targets: [{ provider: 'library' }] } },
  });
}

/** Text for kinds that summarize or give feedback on given text. */
const textFor = (kind: Kind, topic: string) =>
  kind === 'feedback'
    ? `Question: What is ${topic}? My answer: I think ${topic} is something we learned about in class, but I am not sure what it does.`
    : `${topic[0].toUpperCase()}${topic.slice(1)} is an important idea. People study ${topic} in school. Learning about ${topic} helps us understand the world. Teachers use examples to explain ${topic}.`;

interface Row {
  kind: Kind;
  n: number;
  valid: number;
  allChecks: number;
  repaired: number;
  latencies: number[];
  errors: Map<string, number>;
}

const pct = (a: number, b: number) => (b === 0 ? '–' : `${Math.round((100 * a) / b)}%`);
const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const ms = (x: number) => (Number.isNaN(x) ? '–' : x < 10 ? x.toFixed(1) : String(Math.round(x)));

async function main(): Promise<void> {
  const config = values.config ? loadConfig({ file: values.config }).config : offlineConfig();
  const topics = values.topics?.split(',').map((s) => s.trim()) ?? DEFAULT_TOPICS;
  const kinds = (values.kinds?.split(',').map((s) => s.trim()) ?? KIND_NAMES).filter((k): k is Kind => {
    if (!isKind(k)) throw new Error(`unknown kind "${k}"`);
    return true;
  });
  const grade = Number(values.grade);
  const rt = await createRuntime(config, createLogger('silent'));
  const rows: Row[] = [];
  try {
    for (const kind of kinds) {
      const row: Row = { kind, n: 0, valid: 0, allChecks: 0, repaired: 0, latencies: [], errors: new Map() };
      rows.push(row);
      for (const topic of topics) {
        row.n++;
        const body = { topic, ...(KINDS[kind].input === 'text' ? { text: textFor(kind, topic) } : {}), persona: { grade }, model: values.model };
        const started = performance.now();
        try {
          const result = await generateContent(rt, parseContentBody(kind, body), { signal: AbortSignal.timeout(300_000), requestId: `eval-${kind}-${topic}` });
          row.latencies.push(performance.now() - started);
          row.valid++;
          if (result.quality.checks.every((c) => c.passed)) row.allChecks++;
          if (result.attempts > 1) row.repaired++;
        } catch (err) {
          const pe = toPolymathError(err);
          if (pe.kind === 'invalid_output') row.latencies.push(performance.now() - started);
          row.errors.set(pe.kind, (row.errors.get(pe.kind) ?? 0) + 1);
        }
      }
      process.stderr.write(`${kind}: ${row.valid}/${row.n} valid\n`);
    }
  } finally {
    await rt.close();
  }
  const table = report(rows, topics, grade);
  process.stdout.write(table);
  if (!values['no-write']) write(values.out!, values.model!, table);
}

function report(rows: Row[], topics: string[], grade: number): string {
  const total = rows.reduce((a, r) => ({ n: a.n + r.n, valid: a.valid + r.valid, all: a.all + r.allChecks, rep: a.rep + r.repaired }), { n: 0, valid: 0, all: 0, rep: 0 });
  const lines = [
    `## Route \`${values.model}\``,
    '',
    `${new Date().toISOString().slice(0, 10)} · machine: ${cpus().length} cores, Node ${process.versions.node} · persona grade ${grade} · topics: ${topics.join(', ')}`,
    '',
    '| kind | requests | schema-valid | all checks passed | repairs needed | latency p50 ms | p95 ms | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.kind} | ${r.n} | ${pct(r.valid, r.n)} | ${pct(r.allChecks, r.valid)} | ${r.repaired} | ${ms(quantile(r.latencies, 0.5))} | ${ms(quantile(r.latencies, 0.95))} | ${[...r.errors].map(([k, v]) => `${k} ×${v}`).join(', ') || '–'} |`,
    ),
    `| **all** | ${total.n} | ${pct(total.valid, total.n)} | ${pct(total.all, total.valid)} | ${total.rep} | | | |`,
    '',
    'schema-valid: a result came back (schema-valid and no failed error check, after at most two repairs). ',
    'all checks passed: of those, the share whose every check passed, warnings included (e.g. reading level too easy). ',
    'errors: `not_found` is a topic or kind the route cannot make; `invalid_output` is still invalid after two repairs.',
    '',
  ];
  return `${lines.join('\n')}\n`;
}

/** Replaces this route's section in EVAL.md (or appends it), keeping the others. */
function write(file: string, route: string, section: string): void {
  const header = '# Content evaluation\n\nProduced by `npm run eval:content` (eval/content.ts): topics × kinds through one route, in-process.\n\n';
  const old = existsSync(file) ? readFileSync(file, 'utf8') : header;
  const start = old.indexOf(`## Route \`${route}\``);
  let next = start === -1 ? -1 : old.indexOf('\n## ', start + 1);
  if (next !== -1) next += 1;
  const updated = start === -1 ? `${old.trimEnd()}\n\n${section}` : `${old.slice(0, start)}${section}${next === -1 ? '' : `\n${old.slice(next)}`}`;
  writeFileSync(file, updated.startsWith('# Content evaluation') ? updated : header + updated);
  process.stderr.write(`wrote ${file}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`eval: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
