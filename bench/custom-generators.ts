/**
 * What a call to a custom generator costs through Polymath: a one-shot script (a new process per
 * call), a persistent JSONL script (one process reused), and an HTTP endpoint, each answering a
 * fixed text at once, so the numbers are Polymath's and the process start-up's, not a model's.
 * Run: npm run bench:custom
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../src/config/index.js';
import { startServer } from '../src/server/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { machine, percentile, writeSection } from './lib.js';

const CALLS = Number(process.env.CALLS ?? 60);
const fixture = (name: string) => fileURLToPath(new URL(`../test/fixtures/script/${name}`, import.meta.url));

const endpoint = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"content":"ok"}');
  });
});
await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/generate`;

const server = await startServer(
  parseConfig({
    server: { host: '127.0.0.1', port: 0 },
    store: { url: 'sqlite://:memory:' },
    providers: {
      oneshot: { type: 'script', command: [process.execPath, fixture('once.mjs')] },
      persistent: { type: 'script', command: [process.execPath, fixture('jsonl.mjs')], persistent: true },
      http: { type: 'http', url },
    },
  }),
  createLogger('silent'),
);

async function measure(model: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < CALLS + 3; i++) {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: `call ${i}` }] }),
    });
    if (res.status !== 200) throw new Error(`${model}: HTTP ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    if (i >= 3) times.push(performance.now() - t0); // the first three warm up
  }
  return times.sort((a, b) => a - b);
}

const rows: string[] = [];
for (const [model, label] of [
  ['oneshot/default', 'script, one-shot (node process per call)'],
  ['persistent/default', 'script, persistent JSONL (pool of 1)'],
  ['http/default', 'http endpoint on 127.0.0.1'],
] as const) {
  const t = await measure(model);
  const row = `| ${label} | ${percentile(t, 50).toFixed(1)} | ${percentile(t, 95).toFixed(1)} |`;
  console.log(row);
  rows.push(row);
}
await server.close();
await new Promise((r) => endpoint.close(r));

writeSection(
  'Custom generators: script and http',
  `${new Date().toISOString().slice(0, 10)}, ${machine()}; \`npm run bench:custom\`, ${CALLS} sequential calls each through
POST /v1/chat/completions, generators that answer a fixed text at once (test/fixtures/script), so the
time is Polymath's plus the generator's start-up. The other engineers' tests and builds may share the
2 cores while it runs.

| generator | p50 ms | p95 ms |
|---|---|---|
${rows.join('\n')}

A one-shot script pays a process start per call (for Node, most of the time above; for Python
loading a model, far more): a generator that loads anything should declare \`persistent: true\`.`,
);
