/**
 * npm run bench:overhead [-- --targets 3] [--requests N] [--rounds R] [--warmup N] [--seconds S] [--no-auth] [--no-write]
 *
 * The latency Polymath adds: a fake OpenAI upstream, Polymath in front of it, and the same small
 * non-streaming completion sent directly and through Polymath in one run, each in its own process.
 * Sequential: median and p99 per request, direct and through, alternating so drift hits both, in
 * R rounds whose added medians are reported one by one (this machine's speed drifts by tens of
 * percent over minutes, so one number alone says little).
 * Concurrency 32: requests per second for a fixed time. With --targets 3 the request goes to a
 * three-target fallback route (the first target answers). A bare Fastify + undici proxy with no
 * logic is measured beside them: the floor any Node gateway pays for the extra hop.
 * Requests to Polymath carry an API key with rpm, tpm and a budget (auth, limits, budget
 * reservation and cost metering all on); --no-auth leaves keys out (auth off, nothing limited).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { Pool } from 'undici';
import { machine, percentile, startChild, startProcess, waitFor, writeSection } from './lib.js';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '1' },
    requests: { type: 'string', default: '3000' },
    warmup: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    'no-write': { type: 'boolean', default: false },
    'no-auth': { type: 'boolean', default: false },
  },
});
const targets = Number(values.targets);
const requests = Number(values.requests);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);

const body = JSON.stringify({ model: targets > 1 ? 'bench' : 'up/bench-model', messages: [{ role: 'user', content: 'What does photosynthesis do?' }], max_tokens: 16 });

async function main() {
  const upstream = await startProcess('bench/fake-upstream.ts');
  const upstreamUrl = `http://127.0.0.1:${upstream.firstLine.trim()}`;

  const dir = mkdtempSync(join(tmpdir(), 'polymath-bench-'));
  const config = join(dir, 'polymath.yaml');
  const providers = Array.from({ length: targets }, (_, i) => `  up${i === 0 ? '' : i}: { type: openai-compatible, base_url: "${upstreamUrl}/v1", default_model: bench-model }`).join('\n');
  const route = Array.from({ length: targets }, (_, i) => `      - { provider: up${i === 0 ? '' : i} }`).join('\n');
  writeFileSync(config, `server: { host: 127.0.0.1, port: 0 }\nstore: { url: "sqlite://${join(dir, 'bench.db')}" }\nlogging: { level: ${process.env.BENCH_LOG_LEVEL ?? 'info'} }\nproviders:\n${providers}\nroutes:\n  bench:\n    strategy: fallback\n    targets:\n${route}\npricing: { "up/*": { input: 0.15, output: 0.6 } }\n`);
  const auth = !values['no-auth'];
  // A key with every limit on, set far above what the bench sends, so each stage runs and none refuses.
  const apiKey = auth ? execFileSync(process.execPath, ['dist/cli.js', 'keys', 'create', '--config', config, '--name', 'bench', '--rpm', '100000000', '--tpm', '1000000000', '--budget', '1000000/day'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() : undefined;
  const port = 18_000 + Math.floor(Math.random() * 2_000);
  // The built server, as `npm start` runs it (the script builds first).
  const polymath = startChild('dist/cli.js', ['serve', '--config', config, '--port', String(port)]);
  const polymathUrl = `http://127.0.0.1:${port}`;
  const bare = startChild('bench/bare-proxy.ts', [upstreamUrl, String(port + 1)]);
  const bareUrl = `http://127.0.0.1:${port + 1}`;
  await waitFor(`${polymathUrl}/health`);
  await waitFor(`${bareUrl}/health`);

  const direct = new Pool(upstreamUrl, { connections: 32, pipelining: 1 });
  const through = new Pool(polymathUrl, { connections: 32, pipelining: 1 });
  const floor = new Pool(bareUrl, { connections: 32, pipelining: 1 });
  const plain = { 'content-type': 'application/json' };
  const keyed = apiKey ? { ...plain, authorization: `Bearer ${apiKey}` } : plain;
  const call = async (pool: Pool) => {
    const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: pool === through ? keyed : plain, body });
    await res.body.text();
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
  };

  // Warm-up: connection pools, SQLite, and the JIT. V8 takes a few thousand calls to optimize the
  // request path (validation alone costs ~40 µs a call over the first 2,000 and ~7 µs after), and
  // a gateway's steady state is what this measures.
  for (let i = 0; i < warmup; i++) {
    await call(direct);
    await call(through);
    await call(floor);
  }

  const d: number[] = [];
  const t: number[] = [];
  const b: number[] = [];
  const perRound: Array<{ polymath: number; bare: number }> = [];
  for (let r = 0; r < rounds; r++) {
    const rd: number[] = [];
    const rt: number[] = [];
    const rb: number[] = [];
    for (let i = 0; i < requests; i++) {
      let s = performance.now();
      await call(direct);
      rd.push(performance.now() - s);
      s = performance.now();
      await call(through);
      rt.push(performance.now() - s);
      s = performance.now();
      await call(floor);
      rb.push(performance.now() - s);
    }
    for (const xs of [rd, rt, rb]) xs.sort((x, y) => x - y);
    perRound.push({ polymath: percentile(rt, 50) - percentile(rd, 50), bare: percentile(rb, 50) - percentile(rd, 50) });
    d.push(...rd);
    t.push(...rt);
    b.push(...rb);
  }
  for (const xs of [d, t, b]) xs.sort((x, y) => x - y);

  const rps = async (pool: Pool) => {
    let done = 0;
    const until = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (performance.now() < until) {
          await call(pool);
          done++;
        }
      }),
    );
    return done / seconds;
  };
  const rpsDirect = await rps(direct);
  const rpsThrough = await rps(through);
  const rpsFloor = await rps(floor);

  await direct.close();
  await through.close();
  await floor.close();
  polymath.kill('SIGTERM');
  bare.kill('SIGTERM');
  upstream.child.kill('SIGTERM');

  const f = (n: number) => n.toFixed(3);
  const addedMedian = percentile(t, 50) - percentile(d, 50);
  const addedP99 = percentile(t, 99) - percentile(d, 99);
  const table = [
    `| | direct | through Polymath | added by Polymath | through a bare Fastify proxy (floor) | added by the bare proxy |`,
    `|---|---|---|---|---|---|`,
    `| sequential median (ms) | ${f(percentile(d, 50))} | ${f(percentile(t, 50))} | **${f(addedMedian)}** | ${f(percentile(b, 50))} | ${f(percentile(b, 50) - percentile(d, 50))} |`,
    `| sequential p99 (ms) | ${f(percentile(d, 99))} | ${f(percentile(t, 99))} | ${f(addedP99)} | ${f(percentile(b, 99))} | ${f(percentile(b, 99) - percentile(d, 99))} |`,
    `| concurrency 32 (requests/s) | ${rpsDirect.toFixed(0)} | ${rpsThrough.toFixed(0)} | ${((rpsThrough / rpsDirect) * 100).toFixed(0)}% of direct | ${rpsFloor.toFixed(0)} | ${((rpsFloor / rpsDirect) * 100).toFixed(0)}% of direct |`,
  ].join('\n');
  const title = `${targets > 1 ? `bench:overhead — ${targets}-target fallback route` : 'bench:overhead — one provider'}${auth ? '' : ' (no API key)'}`;
  const rounds_ = perRound.map((r, i) => `round ${i + 1}: ${f(r.polymath)} (bare proxy ${f(r.bare)})`).join('; ');
  const text = `${new Date().toISOString().slice(0, 10)}, ${machine()}. ${rounds} rounds of ${requests} sequential requests each way (after ${warmup} warm-up), then ${seconds} s at concurrency 32 each way. Small non-streaming completion, fake upstream, client and Polymath each in their own process on the same machine; Polymath logging at info, recording every request to SQLite${auth ? '; every request with an API key that has rpm, tpm and a daily budget (auth, rate limits, budget reservation and cost metering on, state in memory)' : '; no API key (auth and limits off)'}.\n\n${table}\n\nAdded median per round, ms — ${rounds_}.\n\nFloor: added median ≤ 0.5 ms — ${addedMedian <= 0.5 ? 'met' : 'NOT met'} (all ${rounds} rounds pooled; ${perRound.filter((r) => r.polymath <= 0.5).length} of ${rounds} rounds on their own).`;
  console.log(`${title}\n${text}`);
  if (!values['no-write']) writeSection(title, text);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
