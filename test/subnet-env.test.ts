/**
 * The seed's Bittensor environment with no config file: the provider built from LLM_PROVIDER,
 * ENABLE_BITTENSOR_SUBNET_1 and BITTENSOR_*; and `polymath serve` started that way serving
 * lessons from local miners, with fallback to the next provider.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bittensorWarnings } from '../src/config/bittensor-env.js';
import { configFromEnv } from '../src/config/from-env.js';
import { parseConfig } from '../src/config/index.js';
import { startFakeMiner, type FakeMiner } from './helpers/fake-miner.js';
import { tempDir, writeMetagraph, writeWallet } from './helpers/subnet.js';

const targets = (raw: Record<string, unknown>) => ((raw.routes as any)?.default?.targets ?? []).map((t: { provider: string }) => t.provider);

describe('config from the Bittensor environment', () => {
  it('puts a bittensor subnet provider first when LLM_PROVIDER=bittensor and the flag is on, the others after it', () => {
    const raw = configFromEnv({ LLM_PROVIDER: 'bittensor', ENABLE_BITTENSOR_SUBNET_1: '1', OPENAI_API_KEY: 'sk-x', BITTENSOR_SUBNET_1_URL: 'wss://node.example:443', BITTENSOR_WALLET_NAME: 'gw', BITTENSOR_WALLET_HOTKEY: 'hk', BITTENSOR_NETUID: '7' });
    expect(targets(raw)).toEqual(['bittensor', 'openai', 'library']);
    const cfg = parseConfig(raw);
    expect(cfg.providers.bittensor).toMatchObject({ type: 'subnet', netuid: 7, metagraph: { source: 'subtensor', url: 'wss://node.example:443' }, wallet: { name: 'gw', hotkey: 'hk' } });
  });

  it('reads an http(s) URL as a taostats API with BITTENSOR_API_KEY, anything else as a static file', () => {
    const http = parseConfig(configFromEnv({ LLM_PROVIDER: 'bittensor', ENABLE_BITTENSOR_SUBNET_1: 'true', BITTENSOR_SUBNET_1_URL: 'https://api.taostats.io', BITTENSOR_API_KEY: 'tao-key' }));
    expect(http.providers.bittensor).toMatchObject({ metagraph: { source: 'taostats', url: 'https://api.taostats.io', api_key: 'tao-key' }, netuid: 1, wallet: { name: 'default', hotkey: 'default' } });
    const file = parseConfig(configFromEnv({ LLM_PROVIDER: 'bittensor', ENABLE_BITTENSOR_SUBNET_1: '1', BITTENSOR_SUBNET_1_URL: './metagraph.yaml' }));
    expect(file.providers.bittensor).toMatchObject({ metagraph: { source: 'static', file: './metagraph.yaml' } });
  });

  it('leaves the subnet alone in the route with BITTENSOR_FALLBACK_ENABLED=0', () => {
    const raw = configFromEnv({ LLM_PROVIDER: 'bittensor', ENABLE_BITTENSOR_SUBNET_1: '1', BITTENSOR_FALLBACK_ENABLED: '0', OPENAI_API_KEY: 'sk-x' });
    expect(targets(raw)).toEqual(['bittensor']);
  });

  it('without the flag: no subnet provider, the next provider first, and a start-up warning', () => {
    const env = { LLM_PROVIDER: 'bittensor', OPENAI_API_KEY: 'sk-x' };
    const raw = configFromEnv(env);
    expect(targets(raw)).toEqual(['openai', 'library']);
    expect((raw.providers as Record<string, unknown>).bittensor).toBeUndefined();
    expect(bittensorWarnings(env)[0]).toMatch(/ENABLE_BITTENSOR_SUBNET_1/);
    expect(bittensorWarnings({ LLM_PROVIDER: 'bittensor', ENABLE_BITTENSOR_SUBNET_1: '1' })).toEqual([]);
  });
});

describe('`polymath serve` from the environment alone', () => {
  let dir: string;
  let miners: FakeMiner[];

  beforeAll(async () => {
    dir = tempDir();
    miners = await Promise.all([startFakeMiner(), startFakeMiner()]);
  });
  afterAll(async () => {
    await Promise.all(miners.map((m) => m.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves lessons from local miners, and falls back to the next provider when they fail', async () => {
    const wallet = await writeWallet(join(dir, 'wallets'), 'gateway', 'default');
    writeMetagraph(join(dir, 'metagraph.json'), miners.map((m, uid) => ({ uid, hotkey: m.hotkey.ss58, port: m.port })));
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      LLM_PROVIDER: 'bittensor',
      ENABLE_BITTENSOR_SUBNET_1: '1',
      BITTENSOR_SUBNET_1_URL: './metagraph.json',
      BITTENSOR_WALLET_NAME: wallet.name,
      BT_WALLET_PATH: wallet.path,
      POLYMATH_PORT: '0',
      POLYMATH_STORE_URL: 'sqlite://:memory:',
    };
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(import.meta.dirname, '..', 'src', 'cli.ts'), 'serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      for (const end = Date.now() + 60_000; !/polymath listening on/.test(out); ) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`not started:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const url = JSON.parse(out.split('\n').find((l) => l.includes('polymath listening on'))!).url as string;
      const lesson = () => fetch(`${url}/v1/content/lesson`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'volcanoes', persona: { grade: 5 } }) });
      const ok = await lesson();
      const body = (await ok.json()) as { provider: string; content: { title: string } };
      expect(ok.status).toBe(200);
      expect(body.provider).toBe('bittensor');
      expect(miners.some((m) => m.received.some((r) => r.path === '/v1/content/lesson'))).toBe(true);
      for (const m of miners) m.behaviour = 'fail';
      const fallback = await lesson();
      expect(fallback.status).toBe(200);
      expect(((await fallback.json()) as { provider: string }).provider).toBe('library');
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);
});
