/**
 * npm run bench:throughput [-- --rounds R] [--seconds S] [--requests N] [--warmup N] [--cpu-prof DIR] [--no-write]
 *
 * CPU per request under load. Three proxies in front of one fake OpenAI upstream, measured in one
 * run, in interleaved rounds (the order rotates each round, so drift and other users of the
 * machine hit all three alike):
 * - raw: `node:http` + undici, no framework (bench/raw-proxy.ts)
 * - bare: Fastify + undici, no logic (bench/bare-proxy.ts)
 * - Polymath as `npm start` runs it (dist/cli.js serve, with the start script's node flags), with an API key that has rpm, tpm and a
 *   daily budget (auth, limits, budget reservation, cost metering), the request log in SQLite,
 *   logging at info, metrics and the cache stage on.
 * Each proxy is pinned to core 0 with `taskset -c 0`; this process (the load generator) and the
 * upstream to core 1. Per round and proxy: S seconds at concurrency 32 (req/s, and CPU µs per
 * request from the proxy's own utime+stime in /proc/<pid>/stat), then N sequential requests per
 * proxy alternating with direct calls (the added median). Reported: medians of the rounds.
 * With --route the requests name a route (`bench`: fallback, one target, connect, first-token and
 * total deadlines) instead of `up/bench-model`.
 * With --cpu-prof DIR Polymath runs under `node --cpu-prof` and writes its profile to DIR on exit;
 * BENCH_NODE_FLAGS adds node flags to Polymath's process (to try V8 settings), BENCH_LOG_LEVEL
 * sets its log level (info by default).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { machine, percentile, waitFor, writeSection } from './lib.js';
import { openConn, type Conn } from './load-client.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '3' },
    requests: { type: 'string', default: '400' },
    warmup: { type: 'string', default: '3000' },
    'cpu-prof': { type: 'string' },
    route: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const requests = Number(values.requests);
const warmup = Number(values.warmup);
const CONCURRENCY = 32;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const body = JSON.stringify({ model: values.route ? 'bench' : 'up/bench-model', messages: [{ role: 'user', content: 'What does photosynthesis do?' }], max_tokens: 16 });

/** Starts `node [flags] script args` pinned to one core; its pid is node's (taskset execs). */
function pinned(core: number, script: string, args: string[], nodeFlags: string[] = [], stdout: 'pipe' | 'ignore' = 'ignore'): ChildProcess {
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return spawn('taskset', ['-c', String(core), process.execPath, ...nodeFlags, ...loader, script, ...args], { stdio: ['ignore', stdout, 'inherit'] });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error('no first line in 30 s')), 30_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      child.stdout!.resume();
      res(line);
    });
  });
}

/** The node flags `npm start` runs Polymath with (package.json's start script: `node <flags> dist/cli.js serve`). */
function startFlags(): string[] {
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start.split(/\s+/);
  return start.slice(1, start.indexOf('dist/cli.js'));
}

/** utime + stime of a process, in µs. */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK; // fields 14 and 15 of stat(5)
}

/** name=CPU seconds of each thread of a process (the main thread, libuv's pool, workers). */
function threads(pid: number): string {
  return readdirSync(`/proc/${pid}/task`)
    .map((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), (Number(fields[11]) + Number(fields[12])) / CLK_TCK] as const;
    })
    .filter(([, s]) => s > 0)
    .map(([n, s]) => `${n}=${s.toFixed(2)}`)
    .join(' ');
}

interface Target {
  name: string;
  /** CONCURRENCY keep-alive connections; the first also serves the sequential requests */
  conns: Conn[];
  pid: number;
}

async function connections(port: number, headers: Record<string, string>, n = CONCURRENCY): Promise<Conn[]> {
  return Promise.all(Array.from({ length: n }, () => openConn(port, '/v1/chat/completions', headers, body)));
}

/** Concurrency 32 for `secs` seconds (bounded in time, and in count at 200k requests). */
async function load(t: Target, secs: number): Promise<{ rps: number; cpuPerReq: number }> {
  let done = 0;
  const cpu0 = cpuMicros(t.pid);
  const start = performance.now();
  const until = start + secs * 1000;
  await Promise.all(
    t.conns.map(async (conn) => {
      while (performance.now() < until && done < 200_000) {
        await conn.call();
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { rps: done / elapsed, cpuPerReq: (cpuMicros(t.pid) - cpu0) / done };
}

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

async function main() {
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const load0 = loadavg();
  const upstream = pinned(1, 'bench/fake-upstream.ts', [], [], 'pipe');
  const upstreamUrl = `http://127.0.0.1:${(await firstLine(upstream)).trim()}`;

  const dir = mkdtempSync(join(tmpdir(), 'polymath-throughput-'));
  const config = join(dir, 'polymath.yaml');
  writeFileSync(config, `server: { host: 127.0.0.1, port: 0 }\nstore: { url: "sqlite://${join(dir, 'bench.db')}" }\nlogging: { level: ${process.env.BENCH_LOG_LEVEL ?? 'info'} }\nproviders:\n  up: { type: openai-compatible, base_url: "${upstreamUrl}/v1", default_model: bench-model }\nroutes:\n  bench:\n    strategy: fallback\n    timeout: { connect_ms: 5000, first_token_ms: 10000, total_ms: 30000 }\n    targets:\n      - { provider: up }\npricing: { "up/*": { input: 0.15, output: 0.6 } }\n`);
  // A key with every limit on, set far above what the bench sends, so each stage runs and none refuses.
  const apiKey = execFileSync(process.execPath, ['dist/cli.js', 'keys', 'create', '--config', config, '--name', 'bench', '--rpm', '100000000', '--tpm', '1000000000', '--budget', '1000000/day'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const port = 18_000 + Math.floor(Math.random() * 2_000);
  const profDir = values['cpu-prof'] ? resolve(values['cpu-prof']) : undefined;
  if (profDir) mkdirSync(profDir, { recursive: true });
  const children = {
    raw: pinned(0, 'bench/raw-proxy.ts', [upstreamUrl, String(port + 1)]),
    bare: pinned(0, 'bench/bare-proxy.ts', [upstreamUrl, String(port + 2)]),
    polymath: pinned(0, 'dist/cli.js', ['serve', '--config', config, '--port', String(port)], [...startFlags(), ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])]),
  };
  const ports = { polymath: port, raw: port + 1, bare: port + 2 };
  try {
    for (const p of Object.values(ports)) await waitFor(`http://127.0.0.1:${p}/health`);
    const plain = { 'content-type': 'application/json' };
    const mk = async (name: 'raw' | 'bare' | 'polymath'): Promise<Target> => ({
      name,
      conns: await connections(ports[name], name === 'polymath' ? { ...plain, authorization: `Bearer ${apiKey}` } : plain),
      pid: children[name].pid!,
    });
    const targets = [await mk('raw'), await mk('bare'), await mk('polymath')];
    const direct = (await connections(Number(new URL(upstreamUrl).port), plain, 1))[0];
    const call = (t: Target | Conn) => ('conns' in t ? t.conns[0] : t).call();

    // Warm-up: pools, SQLite and the JIT (V8 takes thousands of calls to optimize the request path).
    for (let i = 0; i < warmup; i++) for (const t of [direct, ...targets]) await call(t);
    for (const t of targets) await load(t, 1);

    const res: Record<string, { rps: number[]; cpu: number[]; added: number[] }> = {};
    for (const t of targets) res[t.name] = { rps: [], cpu: [], added: [] };
    for (let r = 0; r < rounds; r++) {
      const order = targets.map((_, i) => targets[(i + r) % targets.length]);
      for (const t of order) {
        const { rps, cpuPerReq } = await load(t, seconds);
        res[t.name].rps.push(rps);
        res[t.name].cpu.push(cpuPerReq);
      }
      const times = new Map<unknown, number[]>([[direct, []], ...targets.map((t) => [t, []] as [unknown, number[]])]);
      for (let i = 0; i < requests; i++) {
        for (const t of [direct, ...order]) {
          const s = performance.now();
          await call(t);
          times.get(t)!.push(performance.now() - s);
        }
      }
      const d = requests > 0 ? median(times.get(direct)!) : 0;
      for (const t of targets) res[t.name].added.push(requests > 0 ? median(times.get(t)!) - d : NaN);
      console.error(`round ${r + 1}: ${targets.map((t) => `${t.name} ${res[t.name].rps[r].toFixed(0)} req/s ${res[t.name].cpu[r].toFixed(0)} µs/req +${res[t.name].added[r].toFixed(3)} ms`).join(' | ')}`);
    }
    console.error(`Polymath threads, CPU s: ${threads(children.polymath.pid!)}`);
    for (const t of targets) for (const c of t.conns) c.close();
    direct.close();
    const load1 = loadavg();

    const raw = { rps: median(res.raw.rps), cpu: median(res.raw.cpu), added: median(res.raw.added) };
    const label = { raw: 'raw `node:http` + undici', bare: 'bare Fastify + undici', polymath: 'Polymath, every stage on' };
    const rows = targets.map((t) => {
      const m = { rps: median(res[t.name].rps), cpu: median(res[t.name].cpu), added: median(res[t.name].added) };
      return `| ${label[t.name as keyof typeof label]} | ${m.rps.toFixed(0)} | ${(m.rps / raw.rps).toFixed(2)}× | ${m.cpu.toFixed(0)} | ${(1e6 / m.cpu).toFixed(0)} | ${(raw.cpu / m.cpu).toFixed(2)}× | ${m.added.toFixed(3)} | ${(m.added / raw.added).toFixed(2)}× |`;
    });
    const pm = { rps: median(res.polymath.rps) / raw.rps, capacity: raw.cpu / median(res.polymath.cpu), added: median(res.polymath.added) / raw.added };
    const perRound = res.polymath.rps.map((x, i) => `${(x / res.raw.rps[i]).toFixed(2)}×`).join(', ');
    const text = [
      `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${machine()}. Load average ${load0.map((x) => x.toFixed(2)).join(' / ')} at the start and ${load1.map((x) => x.toFixed(2)).join(' / ')} at the end (1 / 5 / 15 min; other developers' tests share the machine). ${rounds} interleaved rounds; per round and proxy ${seconds} s at concurrency ${CONCURRENCY}, then ${requests} sequential requests each alternating with direct calls (after ${warmup} sequential warm-up calls each). Each proxy pinned to core 0 (\`taskset -c 0\`), load generator and fake upstream on core 1. Small non-streaming completion${values.route ? ' to a route with connect, first-token and total deadlines' : ''}. Polymath: \`node ${startFlags().join(' ')} dist/cli.js serve\` (as \`npm start\`) with an API key with rpm, tpm and a daily budget, logging at info, every request recorded to SQLite, metrics and the cache stage on${profDir ? ', **under --cpu-prof** (slower than without)' : ''}. Medians of the rounds.`,
      '',
      '| proxy | req/s at concurrency 32 | vs raw | CPU µs per request | one core\'s capacity (req/s = 10⁶ ÷ µs) | vs raw | sequential added median (ms) | vs raw |',
      '|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
      `Polymath ÷ raw req/s per round: ${perRound}; CPU µs per request per round: raw ${res.raw.cpu.map((x) => x.toFixed(0)).join(', ')}; Polymath ${res.polymath.cpu.map((x) => x.toFixed(0)).join(', ')}. Target ≥ 0.6× the raw proxy — measured req/s ${pm.rps >= 0.6 ? 'met' : 'NOT met'} (${pm.rps.toFixed(2)}×), one core's capacity ${pm.capacity >= 0.6 ? 'met' : 'NOT met'} (${pm.capacity.toFixed(2)}×); sequential added median within 1.25× the raw proxy's — ${pm.added <= 1.25 ? 'met' : 'NOT met'} (${pm.added.toFixed(2)}×).`,
    ].join('\n');
    console.log(text);
    if (!values['no-write'] && !profDir) writeSection(`bench:throughput — CPU per request on one core, every stage on${values.route ? ' (a route with deadlines)' : ''}`, text);
  } finally {
    for (const c of Object.values(children)) c.kill('SIGTERM');
    upstream.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1_000));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
