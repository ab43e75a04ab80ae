import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createMetagraphSource, Metagraph, StaticSource, SubtensorSource, TaostatsSource } from '../src/network/metagraph/index.js';
import { hotkeyFromMnemonic } from '../src/network/wallet/index.js';
import { startFakeSubtensor, type FakeSubtensor } from './helpers/fake-subtensor.js';

let keys: string[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

beforeAll(async () => {
  await cryptoWaitReady();
  keys = ['blast curve early try fold fall plastic hobby donkey tomato crater diet', 'gas marble jealous tree any dilemma total jeans divide huge minimum fiber', 'legal winner thank year wave sausage worth useful legal winner thank yellow'].map(
    (m) => hotkeyFromMnemonic(m).ss58,
  );
});

const signal = () => AbortSignal.timeout(10_000);

describe('static metagraph source', () => {
  it('reads a YAML list, fills optional fields, parses axons', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polymath-mg-'));
    const file = join(dir, 'metagraph.yaml');
    writeFileSync(file, `- { uid: 0, hotkey: ${keys[0]}, coldkey: ${keys[1]}, stake: 1200.5, validator_permit: true, active: true, axon: "10.0.0.1:8091" }\n- { uid: 1, hotkey: ${keys[1]}, coldkey: ${keys[1]}, stake: 0, axon: "[::1]:9000" }\n- { uid: 2, hotkey: ${keys[2]}, coldkey: ${keys[1]} }\n`);
    const neurons = await new StaticSource(file).fetch(1, signal());
    expect(neurons[0]).toMatchObject({ uid: 0, hotkey: keys[0], stake: 1200.5, validator_permit: true, axon: { ip: '10.0.0.1', port: 8091 } });
    expect(neurons[1]).toMatchObject({ validator_permit: false, active: true, axon: { ip: '::1', port: 9000 }, incentive: 0 });
    expect(neurons[2]!.axon).toBeNull();
  });

  it('re-reads the file when it changes, and keeps the last good copy when it turns bad', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polymath-mg-'));
    const file = join(dir, 'metagraph.json');
    writeFileSync(file, JSON.stringify([{ uid: 0, hotkey: keys[0], coldkey: keys[1], stake: 5 }]));
    const mg = new Metagraph(new StaticSource(file), { netuid: 1, refreshMs: 60_000, timeoutMs: 5_000 });
    cleanups.push(() => mg.stop());
    const changes: number[] = [];
    mg.on('change', (t: readonly unknown[]) => changes.push(t.length));
    await mg.start();
    expect(mg.byHotkey(keys[0]!)?.stake).toBe(5);
    expect(mg.ageMs()).not.toBeNull();

    writeFileSync(file, JSON.stringify([{ uid: 0, hotkey: keys[0], coldkey: keys[1], stake: 7 }, { uid: 1, hotkey: keys[2], coldkey: keys[1], stake: 1 }]));
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    await mg.refresh();
    expect(mg.byHotkey(keys[0]!)?.stake).toBe(7);
    expect(mg.byUid(1)?.hotkey).toBe(keys[2]);

    writeFileSync(file, JSON.stringify([{ uid: 0, hotkey: 'not-an-address', coldkey: keys[1] }]));
    utimesSync(file, new Date(), new Date(Date.now() + 10_000));
    await mg.refresh();
    expect(mg.lastError).toMatch(/hotkey: not an ss58 address/);
    expect(mg.neurons()).toHaveLength(2);
    expect(changes).toEqual([1, 2]);
  });

  it('re-reads the file as soon as it is written, without waiting for the interval', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polymath-mg-'));
    const file = join(dir, 'metagraph.yaml');
    writeFileSync(file, `- { uid: 0, hotkey: ${keys[0]}, coldkey: ${keys[1]}, stake: 1 }\n`);
    const mg = new Metagraph(new StaticSource(file), { netuid: 1, refreshMs: 3_600_000, timeoutMs: 5_000 });
    cleanups.push(() => mg.stop());
    await mg.start();
    const changed = new Promise((resolve) => mg.once('change', resolve));
    writeFileSync(file, `- { uid: 0, hotkey: ${keys[0]}, coldkey: ${keys[1]}, stake: 1 }\n- { uid: 1, hotkey: ${keys[2]}, coldkey: ${keys[1]}, stake: 2 }\n`);
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    await changed;
    expect(mg.byUid(1)?.stake).toBe(2);
  });

  it('fails start() clearly when the first load fails', async () => {
    const mg = new Metagraph(new StaticSource('/nonexistent/metagraph.yaml'), { netuid: 1, refreshMs: 60_000, timeoutMs: 5_000 });
    await expect(mg.start()).rejects.toThrow(/metagraph \(static, netuid 1\).*ENOENT/);
  });
});

describe('subtensor metagraph source', () => {
  let node: FakeSubtensor;
  beforeAll(async () => {
    node = await startFakeSubtensor();
    node.neurons.set(7, [
      { uid: 0, hotkey: keys[0]!, coldkey: keys[1]!, stake: [[keys[1]!, 1_500_000_000_000n], [keys[2]!, 500_000_000_000n]], validator_permit: true, axon: { ip: '192.168.1.20', port: 8091 }, incentive: 32_768, emission: 2_000_000_000n, last_update: 4242 },
      { uid: 1, hotkey: keys[2]!, coldkey: keys[2]!, stake: [], active: false },
    ]);
    return () => node.close();
  });

  for (const transport of ['ws', 'http'] as const) {
    it(`decodes NeuronInfoLite over ${transport}`, async () => {
      node.calls.length = 0;
      const source = new SubtensorSource(node[transport], 5_000);
      cleanups.push(() => source.close());
      const neurons = await source.fetch(7, signal());
      expect(node.calls).toEqual([{ method: 'state_call', params: ['NeuronInfoRuntimeApi_get_neurons_lite', '0x0700'] }]);
      expect(neurons).toHaveLength(2);
      expect(neurons[0]).toEqual({
        uid: 0,
        hotkey: keys[0],
        coldkey: keys[1],
        stake: 2000,
        active: true,
        validator_permit: true,
        incentive: 32_768 / 65_535,
        consensus: 0,
        dividends: 0,
        emission: 2,
        validator_trust: 0,
        last_update: 4242,
        axon: { ip: '192.168.1.20', port: 8091 },
      });
      expect(neurons[1]).toMatchObject({ uid: 1, stake: 0, active: false, axon: null });
    });
  }

  it('accepts the older Vec<u8>-wrapped answer', async () => {
    node.wrapped = true;
    try {
      const neurons = await new SubtensorSource(node.http, 5_000).fetch(7, signal());
      expect(neurons.map((n) => n.uid)).toEqual([0, 1]);
    } finally {
      node.wrapped = false;
    }
  });

  it('reports a JSON-RPC error and keeps the last good copy', async () => {
    const mg = new Metagraph(new SubtensorSource(node.ws, 5_000), { netuid: 7, refreshMs: 60_000, timeoutMs: 5_000 });
    cleanups.push(() => mg.stop());
    await mg.start();
    node.failWith = { code: 4003, message: 'Client error: Execution failed' };
    try {
      await mg.refresh();
      expect(mg.lastError).toMatch(/Execution failed/);
      expect(mg.neurons()).toHaveLength(2);
    } finally {
      node.failWith = null;
    }
  });

  it('fails within the deadline when the node is unreachable', async () => {
    const mg = new Metagraph(new SubtensorSource('ws://127.0.0.1:9', 1_000), { netuid: 7, refreshMs: 60_000, timeoutMs: 1_500 });
    cleanups.push(() => mg.stop());
    await expect(mg.start()).rejects.toThrow(/subtensor/);
  });
});

describe('taostats metagraph source', () => {
  it('reads every page with the API key, converting rao and strings', async () => {
    const rows = keys.map((k, i) => ({
      hotkey: { ss58: k, hex: '0x' },
      coldkey: { ss58: keys[0], hex: '0x' },
      netuid: 3,
      uid: i,
      stake: String((i + 1) * 1_000_000_000_000),
      validator_permit: i === 0,
      active: true,
      incentive: '0.25',
      consensus: '0.5',
      dividends: '0',
      emission: '3000000000',
      validator_trust: '0.9',
      updated: 1000 + i,
      axon: i === 2 ? null : { block: 1, ip: `10.0.0.${i + 1}`, port: 8091, protocol: 4, version: 1, ipType: 4 },
    }));
    const seen: Array<{ url: string; auth: string | undefined }> = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization });
      if (req.headers.authorization !== 'tao-key:secret') {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Unauthorized' }));
        return;
      }
      const u = new URL(req.url ?? '', 'http://x');
      const page = Number(u.searchParams.get('page'));
      const limit = Number(u.searchParams.get('limit'));
      const data = rows.slice((page - 1) * limit, page * limit);
      const total = Math.ceil(rows.length / limit);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ pagination: { current_page: page, per_page: limit, total_items: rows.length, total_pages: total, next_page: page < total ? page + 1 : null, prev_page: page > 1 ? page - 1 : null }, data }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const cfg = parseConfig({ network: { netuid: 3, wallet: { name: 'm' }, metagraph: { source: 'taostats', url, page_size: 2 } } }).network!.metagraph;
    const source = createMetagraphSource(cfg, { env: { TAOSTATS_API_KEY: 'tao-key:secret' } });
    expect(source.kind).toBe('taostats');
    const neurons = await source.fetch(3, signal());
    expect(seen.map((s) => s.url)).toEqual(['/api/metagraph/latest/v1?netuid=3&page=1&limit=2', '/api/metagraph/latest/v1?netuid=3&page=2&limit=2']);
    expect(neurons).toHaveLength(3);
    expect(neurons[1]).toEqual({ uid: 1, hotkey: keys[1], coldkey: keys[0], stake: 2000, active: true, validator_permit: false, incentive: 0.25, consensus: 0.5, dividends: 0, emission: 3, validator_trust: 0.9, last_update: 1001, axon: { ip: '10.0.0.2', port: 8091 } });
    expect(neurons[2]!.axon).toBeNull();

    const wrong = new TaostatsSource({ url, apiKey: 'wrong', pageSize: 50 });
    await expect(wrong.fetch(3, signal())).rejects.toMatchObject({ kind: 'upstream_error' });
    await expect(new TaostatsSource({ url, apiKey: undefined, pageSize: 50 }).fetch(3, signal())).rejects.toThrow(/API key/);
  });
});

describe('network config', () => {
  it('needs a file for static and a url for subtensor', () => {
    expect(() => parseConfig({ network: { netuid: 1, wallet: { name: 'm' }, metagraph: { source: 'static' } } })).toThrow(/network.metagraph.file: the static source needs `file`/);
    expect(() => parseConfig({ network: { netuid: 1, wallet: { name: 'm' }, metagraph: { source: 'subtensor' } } })).toThrow(/network.metagraph.url/);
    const cfg = parseConfig({ network: { netuid: 1, wallet: { name: 'm' }, metagraph: { source: 'subtensor', url: 'wss://entrypoint-finney.opentensor.ai:443' } } });
    expect(cfg.network!.metagraph).toMatchObject({ refresh_ms: 60_000, timeout_ms: 15_000 });
    expect(cfg.network!.wallet.hotkey).toBe('default');
  });
});
