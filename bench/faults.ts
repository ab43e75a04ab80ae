/**
 * npm run bench:faults [-- --requests N] [--concurrency C] [--hedge-ms 15,25] [--no-write]
 *
 * Resilience under faults: five OpenAI-format upstreams (own process) behind Polymath (own
 * process), driven by a client at fixed concurrency. Scenarios, each over a five-target fallback
 * route with an attempt budget of 5:
 *   fault-free    every upstream answers in 10-40 ms
 *   faulty        each upstream fails 15% of calls (500 or a dropped connection) and answers 5x
 *                 slower on another 15%
 *   faulty-hedge-N ms  the same, with `hedge: { after_ms: N }` (--hedge-ms 15,25)
 *   faulty-p95    the same, with `hedge: { after: p95 }`
 *   outage        four upstreams fail every call, one is healthy
 * Reports success rate and p50/p95 latency against the fault-free run.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { machine, percentile, startProcess, waitFor, writeSection } from './lib.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    'hedge-ms': { type: 'string', default: '15,25' },
    'no-write': { type: 'boolean', default: false },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const hedgeDelays = values['hedge-ms'].split(',').map(Number);

const CLEAN = { fail: 0, slow: 0 };
const FAULTY = { fail: 0.15, slow: 0.15 };
const DOWN = { fail: 1, slow: 0, down: true };
const upstreams = [...Array(5).fill(CLEAN), ...Array(5).fill(FAULTY), ...Array(4).fill(DOWN)];

interface Result {
  name: string;
  ok: number;
  total: number;
  p50: number;
  p95: number;
  p99: number;
  attempts: number;
}

async function main() {
  const up = await startProcess('bench/fault-upstream.ts', [], { BENCH_UPSTREAMS: JSON.stringify(upstreams) });
  const ports = JSON.parse(up.firstLine) as number[];
  const provider = (name: string, port: number) => `  ${name}: { type: openai-compatible, base_url: "http://127.0.0.1:${port}/v1", default_model: bench-model, max_connections: 128 }`;
  const names = ports.map((_, i) => (i < 5 ? `clean${i}` : i < 10 ? `faulty${i - 5}` : `down${i - 10}`));
  const route = (targets: string[], extra = '') => `    retry: { attempts: 5 }\n${extra}    targets:\n${targets.map((t) => `      - { provider: ${t} }`).join('\n')}`;
  const clean = names.slice(0, 5);
  const faulty = names.slice(5, 10);
  const outage = [...names.slice(10, 14), 'clean0'];

  const dir = mkdtempSync(join(tmpdir(), 'polymath-faults-'));
  const config = join(dir, 'polymath.yaml');
  writeFileSync(
    config,
    [
      'server: { host: 127.0.0.1, port: 0, max_in_flight: 4096 }',
      `store: { url: "sqlite://${join(dir, 'bench.db')}" }`,
      'logging: { level: info }',
      'routing: { health_interval_ms: 0 }',
      'providers:',
      ...ports.map((p, i) => provider(names[i], p)),
      'routes:',
      `  fault-free:\n${route(clean)}`,
      `  faulty:\n${route(faulty)}`,
      ...hedgeDelays.map((ms) => `  faulty-hedge-${ms}ms:\n${route(faulty, `    hedge: { after_ms: ${ms} }\n`)}`),
      `  faulty-p95:\n${route(faulty, `    hedge: { after: p95, after_ms: ${hedgeDelays[0]} }\n`)}`,
      `  outage:\n${route(outage)}`,
    ].join('\n') + '\n',
  );
  const port = 20_000 + Math.floor(Math.random() * 2_000);
  const polymath = await startProcess('src/cli.ts', ['serve', '--config', config, '--port', String(port)]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health`);
  const pool = new Pool(url, { connections: concurrency, pipelining: 1 });

  const run = async (model: string, n: number): Promise<Result> => {
    const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'What does photosynthesis do?' }], max_tokens: 16 });
    const latencies: number[] = [];
    let ok = 0;
    let attempts = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          next++;
          const start = performance.now();
          const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body, headersTimeout: 30_000, bodyTimeout: 30_000 });
          await res.body.text();
          latencies.push(performance.now() - start);
          if (res.statusCode === 200) ok++;
          attempts += Number(res.headers['x-polymath-attempts'] ?? 0);
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    return { name: model, ok, total: n, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), attempts: attempts / Math.max(1, ok) };
  };

  await run('fault-free', 300); // warm-up: JIT, pools
  await run('faulty-p95', 300); // lets the p95 route learn its targets' latencies
  const results: Result[] = [];
  for (const name of ['fault-free', 'faulty', ...hedgeDelays.map((ms) => `faulty-hedge-${ms}ms`), 'faulty-p95', 'outage']) {
    results.push(await run(name, requests));
    console.error(`${name} done`);
  }
  await pool.close();
  polymath.child.kill('SIGTERM');
  up.child.kill('SIGTERM');

  const base = results[0];
  const f = (n: number) => n.toFixed(1);
  const rows = results.map(
    (r) => `| ${r.name} | ${((r.ok / r.total) * 100).toFixed(2)}% | ${f(r.p50)} | ${f(r.p95)} | ${f(r.p99)} | ${(r.p95 / base.p95).toFixed(2)}x | ${r.attempts.toFixed(2)} |`,
  );
  const hedged = results.filter((r) => r.name.startsWith('faulty-hedge'));
  const p95Hedged = results.find((r) => r.name === 'faulty-p95')!;
  const minSuccess = Math.min(...results.map((r) => r.ok / r.total));
  const text = `${new Date().toISOString().slice(0, 10)}, ${machine()}. ${requests} non-streaming requests per scenario at concurrency ${concurrency} (after warm-up), five-target fallback routes with \`retry: { attempts: 5 }\`, hedging after a fixed delay (faulty-hedge-N ms) or after the target's observed p95 (faulty-p95); upstreams (own process) answer in 10-40 ms; faulty ones fail 15% of calls (half HTTP 500, half a connection dropped mid-body) and answer 5x slower on another 15%; outage = four targets failing every call, one healthy. Client, Polymath and upstreams each in their own process; other engineers' work may share the 2 cores.

| scenario | success | p50 ms | p95 ms | p99 ms | p95 vs fault-free | attempts per success |
|---|---|---|---|---|---|---|
${rows.join('\n')}

Floors: success ≥ 99.9% while one healthy target remains — ${minSuccess >= 0.999 ? 'met' : 'NOT met'} (lowest ${(minSuccess * 100).toFixed(2)}%); p95 with hedging ≤ 1.5x fault-free — ${hedged.map((h) => `${h.name} ${h.p95 <= 1.5 * base.p95 ? 'met' : 'NOT met'} (${(h.p95 / base.p95).toFixed(2)}x)`).join(', ')}, p95 delay ${p95Hedged.p95 <= 1.5 * base.p95 ? 'met' : 'NOT met'} (${(p95Hedged.p95 / base.p95).toFixed(2)}x).`;
  console.log(text);
  if (!values['no-write']) writeSection('bench:faults — resilience under injected faults', text);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
