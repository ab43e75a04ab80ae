/**
 * Integrity levels of the subnet provider against miners on real sockets: under `full` no canned
 * answer reaches the client and the cheater is quarantined; `sampling` checks its share; `trust`
 * lets a signed canned answer through (signatures prove who answered, not that it is right).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubnetProvider } from '../src/providers/subnet/index.js';
import { startFakeMiner, type FakeMiner } from './helpers/fake-miner.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';
import { subnetProvider, tempDir, writeMetagraph, writeWallet } from './helpers/subnet.js';

let dir: string;
let miners: FakeMiner[];
let pm: TestPolymath;

beforeAll(async () => {
  dir = tempDir();
  const wallet = await writeWallet(dir);
  miners = await Promise.all([startFakeMiner(), startFakeMiner(), startFakeMiner({ behaviour: 'canned' }), startFakeMiner()]);
  const file = join(dir, 'metagraph.json');
  // the cheater has the most stake and incentive: selection alone would pick it first
  writeMetagraph(file, miners.map((m, uid) => ({ uid, hotkey: m.hotkey.ss58, port: m.port, stake: uid === 2 ? 10_000 : 10, incentive: uid === 2 ? 0.9 : 0.1 })));
  const subnet = (integrity: Record<string, unknown>) => subnetProvider(file, wallet, integrity);
  pm = await startPolymath({
    providers: {
      full: subnet({ mode: 'full', quarantine_ms: 60_000 }),
      sampled: subnet({ mode: 'sampling', rate: 1, quarantine_ms: 60_000 }),
      trusting: subnet({ mode: 'trust' }),
    },
  });
}, 30_000);

afterAll(async () => {
  await pm?.close();
  await Promise.all(miners.map((m) => m.close()));
  rmSync(dir, { recursive: true, force: true });
});

const ask = async (model: string, topic: string) => (await pm.client.chat.completions.create({ model, messages: [{ role: 'user', content: topic }] })).choices[0].message.content ?? '';

describe('integrity levels', () => {
  it('full: every answer is cross-checked, no canned answer reaches the client, the cheater is quarantined', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 10; i++) answers.push(await ask('full', `volcanoes ${i}`));
    expect(answers.every((a, i) => a.includes(`volcanoes ${i}`))).toBe(true);
    const p = pm.runtime.providers.get('full') as SubnetProvider;
    expect(p.states.get(2)!.isQuarantined()).toBe(true);
    expect(p.integrityStats.caught).toBeGreaterThanOrEqual(1);
    expect(p.integrityStats.checked).toBe(10);
    expect(p.rank({}).map((r) => r.neuron.uid)).not.toContain(2);
  });

  it('sampling at rate 1 catches the cheater the same way', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) answers.push(await ask('sampled', `rivers ${i}`));
    expect(answers.every((a, i) => a.includes(`rivers ${i}`))).toBe(true);
    expect((pm.runtime.providers.get('sampled') as SubnetProvider).states.get(2)!.isQuarantined()).toBe(true);
  });

  it('trust: a signed canned answer from the preferred miner goes through', async () => {
    const answer = await ask('trusting', 'glaciers');
    expect(answer).toContain('cheap watches');
  });
});
