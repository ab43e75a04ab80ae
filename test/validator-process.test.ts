/** `polymath validator --config FILE` as a real process: rounds run on their interval and GET /weights publishes them. */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHotkeyFile } from '../src/network/wallet/index.js';
import { startFakeMiner, type FakeMiner } from './helpers/fake-miner.js';
import { freePort } from './helpers/miner-process.js';
import { tempDir } from './helpers/subnet.js';

let dir: string;
let miners: FakeMiner[];

beforeAll(async () => {
  dir = tempDir('polymath-validator-');
  miners = await Promise.all([startFakeMiner(), startFakeMiner({ behaviour: 'fail' })]);
});
afterAll(async () => {
  await Promise.all(miners.map((m) => m.close()));
  rmSync(dir, { recursive: true, force: true });
});

it('scores miners on its interval and publishes the weights at GET /weights', async () => {
  const wallets = join(dir, 'wallets');
  const { ss58 } = await createHotkeyFile({ name: 'validator', hotkey: 'default', path: wallets });
  writeFileSync(
    join(dir, 'metagraph.yaml'),
    [...miners.map((m, uid) => `- { uid: ${uid}, hotkey: ${m.hotkey.ss58}, coldkey: ${m.hotkey.ss58}, stake: 1, axon: "127.0.0.1:${m.port}" }`), `- { uid: 9, hotkey: ${ss58}, coldkey: ${ss58}, stake: 1000, validator_permit: true }`].join('\n'),
  );
  const port = await freePort();
  writeFileSync(
    join(dir, 'polymath.yaml'),
    JSON.stringify({
      store: { url: `sqlite://${join(dir, 'v.db')}` },
      network: { netuid: 3, wallet: { name: 'validator', hotkey: 'default', path: wallets }, metagraph: { source: 'static', file: join(dir, 'metagraph.yaml') } },
      validator: { host: '127.0.0.1', port, interval_ms: 300, timeout_ms: 5_000, tasks: { content: 0, chat: 1, canary: 0 } },
    }),
  );
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(import.meta.dirname, '..', 'src', 'cli.ts'), 'validator', '--config', join(dir, 'polymath.yaml')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  try {
    let body: { netuid: number; weights: Array<{ uid: number; hotkey: string; weight: number }> } | undefined;
    for (const end = Date.now() + 60_000; !body?.weights.length; ) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`no weights published:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
      body = await fetch(`http://127.0.0.1:${port}/weights`).then((r) => r.json() as Promise<typeof body>, () => undefined);
    }
    expect(body!.netuid).toBe(3);
    expect(body!.weights).toEqual([{ uid: 0, hotkey: miners[0].hotkey.ss58, weight: 1 }]);
    expect(miners[0].received.some((r) => r.path === '/v1/chat/completions' && r.headers['epistula-signed-by'] === ss58)).toBe(true);
    // SIGTERM: the round in flight ends, the server closes, the process exits 0
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
  }
}, 90_000);
