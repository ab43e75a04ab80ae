/**
 * The local network: five `polymath miner` processes — one on the stories260K model, one on a
 * script, one that always fails, one that is slow, one that cheats (one canned answer for every
 * prompt) — a validator and a gateway with the subnet provider. The cheater's weight falls below
 * the honest miners' and the gateway stops sending it traffic; with two miners killed mid-run,
 * at least 99.9% of gateway requests still succeed.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { validatorSchema } from '../src/config/validator.js';
import { createMetagraphSource, Metagraph } from '../src/network/metagraph/index.js';
import { startValidatorServer, Validator, type Task } from '../src/network/validator/index.js';
import { createHotkeyFile, loadHotkey } from '../src/network/wallet/index.js';
import type { SubnetProvider } from '../src/providers/subnet/index.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { createLogger } from '../src/telemetry/logger.js';
import { STORIES_MODEL } from './helpers/fixtures.js';
import { freePort, startMinerProcess, type MinerProcess } from './helpers/miner-process.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';
import { tempDir } from './helpers/subnet.js';

const SCRIPTS = fileURLToPath(new URL('./fixtures/script/', import.meta.url));
const script = (file: string, ...args: string[]) => ({ type: 'script', command: [process.execPath, join(SCRIPTS, file), ...args], persistent: true, timeout_ms: 20_000 });

const GENERATORS: Record<string, Record<string, unknown>> = {
  model: { type: 'llama-cpp', model_path: STORIES_MODEL, threads: 1, parallel: 1, context_size: 2048 },
  script: script('network-miner.mjs', 'honest'),
  failing: { type: 'script', command: [process.execPath, join(SCRIPTS, 'fail.mjs')] },
  slow: script('network-miner.mjs', 'honest', '--delay', '1200'),
  cheater: script('network-miner.mjs', 'canned'),
};
const NAMES = Object.keys(GENERATORS);
const uidOf = (name: string) => NAMES.indexOf(name);

const logger = createLogger('silent');
let dir: string;
let miners: MinerProcess[] = [];
let runtime: Runtime;
let metagraph: Metagraph;
let validator: Validator;
let weightsServer: { url: string; close(): Promise<void> };
let gateway: TestPolymath;
let subnet: SubnetProvider;

beforeAll(async () => {
  dir = tempDir('polymath-network-');
  const wallets = join(dir, 'wallets');
  const keys: Record<string, string> = {};
  for (const name of [...NAMES, 'gateway', 'validator']) keys[name] = (await createHotkeyFile({ name, hotkey: 'default', path: wallets })).ss58;
  const ports = await Promise.all(NAMES.map(() => freePort()));
  const file = join(dir, 'metagraph.yaml');
  writeFileSync(
    file,
    [
      ...NAMES.map((n, uid) => `- { uid: ${uid}, hotkey: ${keys[n]}, coldkey: ${keys[n]}, stake: 100, axon: "127.0.0.1:${ports[uid]}", last_update: 100 }`),
      `- { uid: 5, hotkey: ${keys.gateway}, coldkey: ${keys.gateway}, stake: 10 }`,
      `- { uid: 6, hotkey: ${keys.validator}, coldkey: ${keys.validator}, stake: 1000, validator_permit: true }`,
    ].join('\n'),
  );
  const network = (name: string) => ({ netuid: 1, wallet: { name, hotkey: 'default', path: wallets }, metagraph: { source: 'static', file, refresh_ms: 60_000 } });
  miners = NAMES.map((name, uid) =>
    startMinerProcess(dir, name, ports[uid], {
      logging: { level: 'info' },
      store: { url: 'sqlite://:memory:' },
      providers: { gen: GENERATORS[name] },
      routes: { chain: { targets: [{ provider: 'gen' }] } },
      routing: { health_interval_ms: 0 },
      network: network(name),
      miner: { host: '127.0.0.1', port: ports[uid], route: 'chain', min_caller_stake: 0, health_interval_ms: 0 },
    }),
  );
  await Promise.all(miners.map((m) => m.ready));

  runtime = await createRuntime(parseConfig({ store: { url: 'sqlite://:memory:' } }), logger);
  metagraph = new Metagraph(createMetagraphSource({ source: 'static', file, refresh_ms: 60_000, timeout_ms: 5_000, page_size: 200 }), { netuid: 1, refreshMs: 60_000, timeoutMs: 5_000 });
  await metagraph.start();
  const cfg = validatorSchema.parse({ timeout_ms: 8_000, sample_size: 5, content_kinds: ['explanation', 'lesson'], max_tokens: 128 });
  validator = new Validator({ cfg, netuid: 1, hotkey: await loadHotkey({ name: 'validator', hotkey: 'default', path: wallets }), metagraph, store: runtime.store, gateway: runtime, logger });
  weightsServer = await startValidatorServer(validator, '127.0.0.1', 0);

  gateway = await startPolymath({
    providers: {
      bittensor: {
        type: 'subnet',
        netuid: 1,
        metagraph: { source: 'static', file },
        wallet: { name: 'gateway', hotkey: 'default', path: wallets },
        weights_url: `${weightsServer.url}/weights`,
        selection: { k: 2, explore: 0, max_calls: 6 },
        breaker: { failures: 3, half_open_after_ms: 60_000 },
        timeout_ms: 10_000,
      },
    },
    routes: { default: { targets: [{ provider: 'bittensor' }] } },
  });
  subnet = gateway.runtime.providers.get('bittensor') as SubnetProvider;
}, 120_000);

afterAll(async () => {
  for (const m of miners) m.kill();
  await gateway?.close();
  await weightsServer?.close();
  await validator?.stop();
  metagraph?.stop();
  await runtime?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the local network', () => {
  it('the validator\'s weights put the cheater and the failing miner below the honest miners, and the gateway stops sending the cheater traffic', async () => {
    const tasks: Task[] = [
      { type: 'chat', prompt: 'Explain volcanoes to a student in a few sentences.', topic: 'volcanoes' },
      { type: 'content', kind: 'explanation', topic: 'rivers', persona: { grade: 4 } },
      { type: 'canary', prompt: 'Reply with exactly this code and nothing else: canary-5eed', expect: 'canary-5eed' },
      { type: 'chat', prompt: 'Explain magnetism to a student in a few sentences.', topic: 'magnetism' },
    ];
    for (const t of tasks) await validator.round(t);
    const w = new Map(validator.weights().weights.map((x) => [x.uid, x.weight]));
    const weight = (name: string) => w.get(uidOf(name)) ?? 0;
    expect(weight('cheater')).toBeLessThan(weight('script'));
    expect(weight('cheater')).toBeLessThan(weight('slow'));
    expect(weight('cheater')).toBeLessThanOrEqual(weight('model'));
    expect(weight('failing')).toBe(0);

    await subnet.refreshWeights();
    for (let i = 0; i < 10; i++) {
      const res = await gateway.client.chat.completions.create({ model: 'default', max_tokens: 16, messages: [{ role: 'user', content: `Tell me about plants ${i}` }] });
      expect(res.choices[0].message.content).toBeTruthy();
    }
    expect(subnet.states.get(uidOf('cheater'))?.calls ?? 0).toBe(0);
    const admin = (await (await fetch(`${gateway.url}/v1/admin/providers`)).json()) as { data: Array<{ details?: { miners: Array<{ uid: number; score: { weight: number } }> } }> };
    const cheaterView = admin.data[0].details!.miners.find((m) => m.uid === uidOf('cheater'))!;
    expect(cheaterView.score.weight).toBeLessThan(admin.data[0].details!.miners.find((m) => m.uid === uidOf('script'))!.score.weight);
  }, 120_000);

  it('keeps at least 99.9% of requests succeeding with two miners killed mid-run', async () => {
    const total = 200;
    let done = 0;
    let ok = 0;
    const failures: string[] = [];
    let next = 0;
    const killAt = 60;
    let killed = false;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        try {
          const res = await gateway.client.chat.completions.create({ model: 'default', max_tokens: 16, messages: [{ role: 'user', content: `Question ${i} about the ocean` }] });
          if (res.choices[0].message.content !== undefined) ok++;
        } catch (err) {
          failures.push(String(err));
        }
        done++;
        if (!killed && done >= killAt) {
          killed = true;
          miners[uidOf('script')].kill();
          miners[uidOf('slow')].kill();
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(killed).toBe(true);
    expect(failures).toEqual([]);
    expect(ok / total).toBeGreaterThanOrEqual(0.999);
  }, 120_000);
});
