/**
 * node --import tsx bench/profile-table.ts <file.cpuprofile> [--last S] [--per-request µs]
 *
 * Where a `--cpu-prof` profile of Polymath spends its CPU, by stage. Each sample goes to the
 * deepest frame of Polymath's own code (dist/) on its stack, unless a known library sits below it
 * (pino: logging, better-sqlite3: request log, prom-client: metrics, Fastify: framework, undici:
 * upstream call); a sample with no Polymath frame goes by its leaf (Fastify, Node's HTTP, GC).
 * --last S counts only the last S seconds of the profile (the load phases of bench:throughput
 * --cpu-prof --requests 0, leaving out start-up and warm-up); --per-request µs (the CPU per
 * request bench:throughput measured) splits that figure by the shares.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  endTime: number;
  startTime: number;
}

const OWN: Array<[RegExp, string]> = [
  [/\/server\/auth|\/usage\/keys/, 'auth (API key)'],
  [/\/server\/limit-stage|\/usage\/(limits|budgets|budget-spec|state)/, 'limits and budget'],
  [/\/usage\/(meter|pricing|price-table|count-tokens|estimate)/, 'metering (tokens, cost)'],
  [/\/telemetry\/(metrics|fast-metrics|label-children)|\/usage\/alerts/, 'metrics and alerts'],
  [/\/telemetry\/(logger|access-log)/, 'logging'],
  [/\/store\//, 'request log (SQLite)'],
  [/\/server\/(validate|json-body)/, 'validation and body parsing'],
  [/\/routing\//, 'routing'],
  [/\/providers\//, 'upstream call'],
  [/\/server\/sse/, 'stream handling'],
  [/\/cache\/|\/server\/cache-stage/, 'cache'],
  [/\/server\//, 'pipeline, handler, headers'],
];
const LEAF: Array<[RegExp, string]> = [
  [/node_modules\/(fastify|avvio|find-my-way|light-my-request|@fastify|fast-json-stringify|secure-json-parse|process-warning|abstract-logging)/, 'framework (Fastify)'],
  [/node_modules\/undici/, 'upstream call'],
  [/node_modules\/(pino|sonic-boom|thread-stream|fast-redact|quick-format)/, 'logging'],
  [/node_modules\/better-sqlite3|node_modules\/kysely/, 'request log (SQLite)'],
  [/node_modules\/prom-client/, 'metrics and alerts'],
  [/node_modules\/zod/, 'validation and body parsing'],
  [/node:internal\/(http|_http|net|stream|streams)|^node:(http|net|_http)/, "Node's HTTP and sockets"],
];

const LIBRARY = LEAF.filter(([, name]) => name !== "Node's HTTP and sockets");

export function stageOf(stack: ProfileNode[]): string {
  for (let i = stack.length - 1; i >= 0; i--) {
    const url = stack[i].callFrame.url;
    if (/\/dist\/|\/src\//.test(url) && !url.includes('node_modules')) {
      // a library this stage called (pino from the meter, better-sqlite3 from the request log) counts for the library
      for (let j = i + 1; j < stack.length; j++) for (const [re, name] of LIBRARY) if (re.test(stack[j].callFrame.url)) return name;
      for (const [re, name] of OWN) if (re.test(url)) return name;
      return 'other Polymath code';
    }
  }
  const leaf = stack[stack.length - 1]?.callFrame;
  if (!leaf) return 'other';
  if (leaf.functionName === '(garbage collector)') return 'garbage collection';
  if (leaf.functionName === '(idle)') return '(idle)';
  if (leaf.functionName === '(program)') return '(program: native, JIT)';
  for (const [re, name] of LEAF) if (re.test(leaf.url)) return name;
  return leaf.url.startsWith('node:') || leaf.url === '' ? 'Node internals (timers, promises, buffers)' : 'other libraries';
}

function main() {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { last: { type: 'string' }, 'per-request': { type: 'string' } } });
  const file = positionals[0];
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOfNode = new Map<number, string>();
  const totals = new Map<string, number>();
  let busy = 0;
  const from = values.last ? profile.endTime - Number(values.last) * 1e6 : -Infinity;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from) return;
    let stage = stageOfNode.get(id);
    if (stage === undefined) {
      const stack: ProfileNode[] = [];
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.unshift(byId.get(cur)!);
      stage = stageOf(stack);
      stageOfNode.set(id, stage);
    }
    const dt = profile.timeDeltas[i] ?? 0;
    totals.set(stage, (totals.get(stage) ?? 0) + dt);
    if (stage !== '(idle)') busy += dt;
  });
  const perRequest = values['per-request'] ? Number(values['per-request']) : undefined;
  const rows = [...totals].filter(([s]) => s !== '(idle)').sort((a, b) => b[1] - a[1]);
  console.log(`| stage | share of busy CPU |${perRequest ? ' µs per request |' : ''}`);
  console.log(`|---|---|${perRequest ? '---|' : ''}`);
  for (const [stage, us] of rows) console.log(`| ${stage} | ${((us / busy) * 100).toFixed(1)}% |${perRequest ? ` ${((us / busy) * perRequest).toFixed(1)} |` : ''}`);
  console.log(`| **total busy** | 100% |${perRequest ? ` ${perRequest.toFixed(1)} |` : ''}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
