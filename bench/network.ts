/**
 * npm run bench:network [-- --full] [--requests N] [--concurrency C] [--no-write]
 *
 * The subnet provider on real `polymath miner` processes on this machine. Each miner generates
 * through a script that emulates a model writing 50 tokens a second, behind a TCP proxy that
 * injects the network condition (local 0-1 ms, regional 10-20 ms, internet 50-150 ms per chunk,
 * each way) and can kill the node (listener closed, connections reset). A gateway (in this
 * process) with the subnet provider (k = 2) is driven at fixed concurrency.
 *
 * Cells: workload × condition, with failure injection: 0/10/20/30% of miners killed a quarter of
 * the way into the run; 20% of miners 2-10x slow; two miners (of 12) answering one canned,
 * correctly signed answer to everything, under integrity trust, sampling (5%) and full.
 * `--quick` (default): the short workload (10-50 tokens); `--full`: short and medium (300-600)
 * in every condition, and long (2K-4K) on the local network.
 *
 * Reported per cell: success rate, p50/p95 latency, time to first token (streamed cells), miner
 * calls per request (race losers included), bytes per request, the share of answers that were
 * corrupted (canned) on reaching the client, the share of integrity checks (second miner or
 * canary) that caught a miner, and the canary failure rate (canaries failed / sent; under
 * sampling, half the sampled answers are checked by a canary).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/index.js';
import { createHotkeyFile } from '../src/network/wallet/index.js';
import type { SubnetProvider } from '../src/providers/subnet/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { freePort, startMinerProcess, type MinerProcess } from '../test/helpers/miner-process.js';
import { DelayProxy } from './delay-proxy.js';
import { machine, percentile, writeSection } from './lib.js';

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: true },
    requests: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    'no-write': { type: 'boolean', default: false },
  },
});
const FULL = values.full;
const REQUESTS = Number(values.requests ?? (FULL ? 400 : 200));
const CONCURRENCY = Number(values.concurrency);
const HONEST = 10;
const CANNED = 2;
const TPS = 50;
const SCRIPT = fileURLToPath(new URL('../test/fixtures/script/network-miner.mjs', import.meta.url));

const WORKLOADS = { short: [10, 50], medium: [300, 600], long: [2000, 4000] } as const;
const CONDITIONS = { local: [0, 1], regional: [10, 20], internet: [50, 150] } as const;
type Workload = keyof typeof WORKLOADS;
type Condition = keyof typeof CONDITIONS;

interface Cell {
  name: string;
  workload: Workload;
  condition: Condition;
  killed: number;
  slow: number;
  corrupt: boolean;
  integrity: 'trust' | 'sampling' | 'full';
}

interface Row extends Cell {
  ok: number;
  total: number;
  p50: number;
  p95: number;
  ttft50: number | null;
  calls: number;
  bytes: number;
  corrupted: number;
  caught: string;
  canaries: string;
}

interface Node {
  miner: MinerProcess;
  proxy: DelayProxy;
  hotkey: string;
  canned: boolean;
}

function cells(): Cell[] {
  const base = { killed: 0, slow: 0, corrupt: false, integrity: 'trust' as const };
  const out: Cell[] = [];
  const workloads: Workload[] = FULL ? ['short', 'medium'] : ['short'];
  for (const workload of workloads) {
    for (const condition of Object.keys(CONDITIONS) as Condition[]) out.push({ ...base, name: `${workload} ${condition}`, workload, condition });
    for (const killed of [0.1, 0.2, 0.3]) out.push({ ...base, name: `${workload} local, ${killed * 100}% killed`, workload, condition: 'local', killed });
    if (FULL) for (const killed of [0.1, 0.3]) out.push({ ...base, name: `${workload} internet, ${killed * 100}% killed`, workload, condition: 'internet', killed });
    out.push({ ...base, name: `${workload} local, 20% slow (2-10x)`, workload, condition: 'local', slow: 0.2 });
    for (const integrity of ['trust', 'sampling', 'full'] as const) out.push({ ...base, name: `${workload} local, 2 corrupt, ${integrity}`, workload, condition: 'local', corrupt: true, integrity });
  }
  if (FULL) out.push({ ...base, name: 'long local', workload: 'long', condition: 'local' });
  return out;
}

const rand = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));

async function startNodes(dir: string, wallets: string, file: string): Promise<{ nodes: Node[]; gatewayKey: string }> {
  const gatewayKey = (await createHotkeyFile({ name: 'gateway', hotkey: 'default', path: wallets })).ss58;
  const specs = [...Array(HONEST).fill(false), ...Array(CANNED).fill(true)] as boolean[];
  const keys: string[] = [];
  for (let i = 0; i < specs.length; i++) keys.push((await createHotkeyFile({ name: `m${i}`, hotkey: 'default', path: wallets })).ss58);
  const minerPorts = await Promise.all(specs.map(() => freePort()));
  const proxyPorts = await Promise.all(specs.map(() => freePort()));
  // every miner knows every node, the gateway among them (callers must be in the metagraph)
  writeMetagraph(file, keys.map((k, uid) => ({ uid, hotkey: k, port: proxyPorts[uid] })), gatewayKey);
  const nodes: Node[] = specs.map((canned, i) => ({
    canned,
    hotkey: keys[i],
    proxy: new DelayProxy(proxyPorts[i], minerPorts[i]),
    miner: startMinerProcess(dir, `m${i}`, minerPorts[i], {
      logging: { level: 'info' },
      store: { url: 'sqlite://:memory:' },
      providers: { gen: { type: 'script', command: [process.execPath, SCRIPT, canned ? 'canned' : 'honest', '--tps', String(TPS)], persistent: true, pool_size: 4, timeout_ms: 120_000 } },
      routes: { chain: { targets: [{ provider: 'gen' }] } },
      routing: { health_interval_ms: 0 },
      network: { netuid: 1, wallet: { name: `m${i}`, hotkey: 'default', path: wallets }, metagraph: { source: 'static', file, refresh_ms: 60_000 } },
      miner: { host: '127.0.0.1', port: minerPorts[i], route: 'chain', min_caller_stake: 0, health_interval_ms: 0, max_in_flight: 256 },
    }, 180_000),
  }));
  // one at a time: a dozen tsx start-ups at once starve a 2-core machine
  for (const n of nodes) await n.miner.ready;
  await Promise.all(nodes.map((n) => n.proxy.start()));
  return { nodes, gatewayKey };
}

function writeMetagraph(file: string, entries: Array<{ uid: number; hotkey: string; port: number }>, gateway: string): void {
  const lines = entries.map((e) => `- { uid: ${e.uid}, hotkey: ${e.hotkey}, coldkey: ${e.hotkey}, stake: 100, axon: "127.0.0.1:${e.port}", last_update: 100 }`);
  lines.push(`- { uid: 999, hotkey: ${gateway}, coldkey: ${gateway}, stake: 10 }`);
  writeFileSync(file, lines.join('\n'));
}

async function runCell(cell: Cell, nodes: Node[], dir: string, wallets: string, gatewayKey: string, index: number): Promise<Row> {
  const members = nodes.filter((n) => !n.canned || cell.corrupt);
  const honest = members.filter((n) => !n.canned);
  const [lo, hi] = CONDITIONS[cell.condition];
  for (const n of nodes) {
    await n.proxy.start();
    n.proxy.minMs = lo;
    n.proxy.maxMs = hi;
    n.proxy.factor = 1;
  }
  // slow nodes: their answers take 2-10x as long (extra delay on the way, the size of a typical answer's generation time)
  const [wlo, whi] = WORKLOADS[cell.workload];
  const genMs = (((wlo + whi) / 2) / TPS) * 1000;
  for (const n of honest.slice(0, Math.round(cell.slow * honest.length))) {
    const f = rand(2, 10);
    n.proxy.minMs = lo + ((f - 1) * genMs) / 2;
    n.proxy.maxMs = hi + ((f - 1) * genMs) / 2;
  }
  const file = join(dir, `metagraph-${index}.yaml`);
  writeMetagraph(file, members.map((n) => ({ uid: nodes.indexOf(n), hotkey: n.hotkey, port: n.proxy.port })), gatewayKey);
  const server: RunningServer = await startServer(
    parseConfig({
      server: { host: '127.0.0.1', port: 0 },
      store: { url: 'sqlite://:memory:' },
      providers: {
        bittensor: {
          type: 'subnet',
          metagraph: { source: 'static', file },
          wallet: { name: 'gateway', hotkey: 'default', path: wallets },
          selection: { k: 2, explore: 0.05, max_calls: 8 },
          integrity: { mode: cell.integrity, rate: 0.05 },
          breaker: { failures: 2, half_open_after_ms: 60_000 },
          timeout_ms: 120_000,
          max_connections: 64,
        },
      },
      routes: { default: { targets: [{ provider: 'bittensor' }] } },
      routing: { health_interval_ms: 0 },
    }),
    createLogger('silent'),
  );
  const subnet = server.runtime.providers.get('bittensor') as SubnetProvider;
  const stream = !cell.corrupt; // integrity cross-checks apply to whole answers
  const latencies: number[] = [];
  const ttfts: number[] = [];
  let ok = 0;
  let bytes = 0;
  let corrupted = 0;
  let next = 0;
  let done = 0;
  const toKill = honest.slice(honest.length - Math.round(cell.killed * honest.length));
  let killed = false;
  const one = async (i: number) => {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default', stream, max_tokens: rand(wlo, whi), messages: [{ role: 'user', content: `Explain topic number ${i} to a student.` }] }),
    });
    let text = '';
    let first: number | null = null;
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) break;
      bytes += value.byteLength;
      const piece = dec.decode(value, { stream: true });
      if (first === null && stream && piece.includes('"content":"') && !piece.includes('"content":""')) first = performance.now() - t0;
      text += piece;
    }
    if (res.status !== 200 || (stream && !text.includes('[DONE]'))) return;
    ok++;
    latencies.push(performance.now() - t0);
    if (first !== null) ttfts.push(first);
    if (text.includes('cheap watches')) corrupted++;
  };
  const worker = async () => {
    while (next < REQUESTS) {
      const i = next++;
      await one(i).catch(() => {});
      done++;
      if (!killed && toKill.length > 0 && done >= REQUESTS / 4) {
        killed = true;
        await Promise.all(toKill.map((n) => n.proxy.kill()));
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  latencies.sort((a, b) => a - b);
  ttfts.sort((a, b) => a - b);
  const started = [...subnet.states.all()].reduce((s, st) => s + st.started, 0);
  const { checked, caught, canaries, canaries_failed } = subnet.integrityStats;
  await server.close();
  return {
    ...cell,
    ok,
    total: REQUESTS,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    ttft50: ttfts.length ? percentile(ttfts, 50) : null,
    calls: started / REQUESTS,
    bytes: bytes / REQUESTS,
    corrupted: ok ? corrupted / ok : 0,
    caught: checked ? `${caught}/${checked}` : '—',
    canaries: canaries ? `${canaries_failed}/${canaries}` : '—',
  };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'polymath-bench-network-'));
  const wallets = join(dir, 'wallets');
  const t0 = Date.now();
  const { nodes, gatewayKey } = await startNodes(dir, wallets, join(dir, 'metagraph.yaml'));
  console.error(`${nodes.length} miners up in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const rows: Row[] = [];
  try {
    for (const [i, cell] of cells().entries()) {
      const row = await runCell(cell, nodes, dir, wallets, gatewayKey, i);
      rows.push(row);
      console.error(`${row.name}: ${((100 * row.ok) / row.total).toFixed(1)}% ok, p50 ${row.p50.toFixed(0)} ms, p95 ${row.p95.toFixed(0)} ms, ${row.calls.toFixed(2)} calls/req, corrupted ${(100 * row.corrupted).toFixed(1)}%`);
    }
  } finally {
    for (const n of nodes) {
      n.miner.kill();
      await n.proxy.kill();
    }
  }
  const ms = (x: number | null) => (x === null || Number.isNaN(x) ? '—' : `${x.toFixed(0)}`);
  const table = [
    '| cell | success | p50 ms | p95 ms | TTFT p50 ms | calls/req | bytes/req | corrupted to client | checks that caught a miner | canaries failed |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${((100 * r.ok) / r.total).toFixed(1)}% | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.ttft50)} | ${r.calls.toFixed(2)} | ${r.bytes.toFixed(0)} | ${(100 * r.corrupted).toFixed(1)}% | ${r.caught} | ${r.canaries} |`),
  ].join('\n');
  const find = (pred: (r: Row) => boolean) => rows.find(pred);
  const base = find((r) => r.name === 'short local');
  const k10 = find((r) => r.name === 'short local, 10% killed');
  const k30 = find((r) => r.name === 'short local, 30% killed');
  const full = find((r) => r.corrupt && r.integrity === 'full');
  const sampling = find((r) => r.corrupt && r.integrity === 'sampling');
  const floors = [
    k30 && `success with 30% killed ≥ 99.9%: ${((100 * k30.ok) / k30.total).toFixed(1)}% — ${k30.ok / k30.total >= 0.999 ? 'met' : 'NOT met'}`,
    base && k10 && `p95 with 10% killed ≤ 1.5× fault-free p95: ${(k10.p95 / base.p95).toFixed(2)}× — ${k10.p95 <= 1.5 * base.p95 ? 'met' : 'NOT met'}`,
    full && `no corrupted answer reaches a client under full: ${(100 * full.corrupted).toFixed(1)}% — ${full.corrupted === 0 ? 'met' : 'NOT met'}`,
    sampling && `fewer than 1% under sampling: ${(100 * sampling.corrupted).toFixed(1)}% — ${sampling.corrupted < 0.01 ? 'met' : 'NOT met'}`,
  ].filter(Boolean);
  const body = `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}, busy with other work; \`npm run bench:network${FULL ? ' -- --full' : ''}\`: ${nodes.length} \`polymath miner\` processes (${HONEST} honest, ${CANNED} that answer one canned, correctly signed answer to everything, listed only in the "corrupt" cells), each generating through a script at ${TPS} tokens/s behind a proxy that injects the network condition and kills nodes; a gateway with the subnet provider (k = 2, exploration 5%); ${REQUESTS} requests per cell at concurrency ${CONCURRENCY}; killed nodes die a quarter of the way in. Streamed requests except in the corrupt cells (integrity cross-checks whole answers).

${table}

Floors:
${floors.map((f) => `- ${f}`).join('\n')}`;
  console.log(body);
  if (!values['no-write']) writeSection('Network (bench:network)', body);
}

main().then(
  // keep-alive sockets to the killed nodes' proxies and the miners' pipes would hold the process open
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
