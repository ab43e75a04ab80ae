/**
 * What Epistula costs: signing and verifying one request (sr25519 via @polkadot/util-crypto), and
 * a signed round trip to `polymath miner` (client signs, miner verifies and checks the metagraph,
 * miner signs its answer, client verifies it) beside the same call to the gateway unsigned. The
 * generator is a persistent script answering at once, so the difference is the network layer's.
 * Run: npm run bench:epistula
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { parseConfig } from '../src/config/index.js';
import { ReplayCache, signHeaders, verifyHeaders } from '../src/network/epistula.js';
import { startMiner } from '../src/network/miner/index.js';
import { createHotkeyFile, hotkeyFromMnemonic } from '../src/network/wallet/index.js';
import { startServer } from '../src/server/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { machine, percentile, writeSection } from './lib.js';

const N = Number(process.env.CALLS ?? 200);
await cryptoWaitReady();
const validator = hotkeyFromMnemonic('legal winner thank year wave sausage worth useful legal winner thank yellow');
const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'Explain photosynthesis to a 10-year-old in three sentences.' }] });

const timeEach = (n: number, f: (i: number) => void): number[] => {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    f(i);
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b);
};
const signed = timeEach(N, () => signHeaders(body, validator, validator.ss58));
const headers = Array.from({ length: N }, () => signHeaders(body, validator, validator.ss58));
const replay = new ReplayCache();
const bytes = new TextEncoder().encode(body);
const verified = timeEach(N, (i) => {
  if (!verifyHeaders(headers[i]!, bytes, { self: validator.ss58, replay }).ok) throw new Error('verify failed');
});

const dir = mkdtempSync(join(tmpdir(), 'polymath-bench-epistula-'));
const wallets = join(dir, 'wallets');
await createHotkeyFile({ name: 'miner', hotkey: 'default', path: wallets });
writeFileSync(join(dir, 'metagraph.yaml'), `- { uid: 0, hotkey: ${validator.ss58}, coldkey: ${validator.ss58}, stake: 1000, validator_permit: true }\n`);
const script = fileURLToPath(new URL('../test/fixtures/script/miner-generator.mjs', import.meta.url));
const raw = {
  server: { host: '127.0.0.1', port: 0 },
  store: { url: 'sqlite://:memory:' },
  providers: { custom: { type: 'script', command: [process.execPath, script], persistent: true } },
  routes: { default: { targets: [{ provider: 'custom' }] } },
  routing: { health_interval_ms: 0 },
  network: { netuid: 1, wallet: { name: 'miner', path: wallets }, metagraph: { source: 'static', file: join(dir, 'metagraph.yaml') } },
  miner: { host: '127.0.0.1', port: 0, health_interval_ms: 0 },
};
const miner = await startMiner(parseConfig(raw), createLogger('silent'));
const gateway = await startServer(parseConfig(raw), createLogger('silent'));

async function roundTrips(url: string, sign: boolean): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < N + 5; i++) {
    const b = JSON.stringify({ model: 'default', messages: [{ role: 'user', content: `call ${i}` }] });
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...(sign ? signHeaders(b, validator, miner.hotkey) : {}) }, body: b });
    const answer = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    if (sign && !verifyHeaders(Object.fromEntries(res.headers), answer, { self: validator.ss58, replay: new ReplayCache() }).ok) throw new Error('answer signature');
    if (i >= 5) times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}
const plain = await roundTrips(gateway.url, false);
const viaMiner = await roundTrips(miner.url, true);
await miner.close();
await gateway.close();

const row = (label: string, t: number[]) => `| ${label} | ${percentile(t, 50).toFixed(3)} | ${percentile(t, 95).toFixed(3)} |`;
const rows = [
  row('signHeaders (sha256 + sr25519 sign)', signed),
  row('verifyHeaders (sha256 + sr25519 verify + replay cache)', verified),
  row('gateway, unsigned call (persistent script)', plain),
  row('miner, signed call + signed answer, both verified', viaMiner),
];
console.log(rows.join('\n'));
writeSection(
  'Epistula and the miner',
  `${new Date().toISOString().slice(0, 10)}, ${machine()}; \`npm run bench:epistula\`, ${N} operations or sequential calls
each (after 5 warm-up calls); sr25519 in pure JS (@polkadot/util-crypto 14 over @scure/sr25519). The round trips use
a persistent script that answers at once, so the difference between the last two rows is the network layer's: two
signatures and two verifications, the metagraph check and the signed answer. Other engineers' work shared the 2 cores.

| operation | p50 ms | p95 ms |
|---|---|---|
${rows.join('\n')}`,
);
