/**
 * Canaries under `sampling`, against miners on real sockets: a sampled answer is checked by a
 * canary (a request whose answer is known) put to the miner that gave it. A miner that answers
 * ordinary requests plausibly but gets canaries wrong is quarantined, its answer is thrown away
 * and the client's request is answered by another miner, or by the route's next target when no
 * miner is left. No canary answer ever reaches a client.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubnetProvider } from '../src/providers/subnet/index.js';
import { honestText, startFakeMiner, type FakeMiner } from './helpers/fake-miner.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';
import { subnetProvider, tempDir, writeMetagraph, writeWallet } from './helpers/subnet.js';

let dir: string;
let miners: FakeMiner[];
let pm: TestPolymath;

const CANARY = /Reply with exactly this code and nothing else: (canary-[0-9a-f]+)/;

/** The last user message a miner was sent. */
const promptOf = (body: { messages?: Array<{ role: string; content: unknown }> }): string =>
  String([...(body.messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? '');

beforeAll(async () => {
  dir = tempDir();
  const wallet = await writeWallet(dir);
  miners = await Promise.all([startFakeMiner(), startFakeMiner(), startFakeMiner(), startFakeMiner()]);
  // uid 1 answers every ordinary prompt about its words (so it agrees with honest miners when
  // cross-checked) but never follows an instruction: a canary's code comes back wrong
  for (const lazy of [miners[1]!, miners[3]!]) {
    lazy.answer = async (body) => honestText(promptOf(body).replace(CANARY, 'Reply with exactly this code and nothing else: canary-00000000'));
  }
  const file = join(dir, 'metagraph.json');
  // the lazy miner has the most stake and incentive: selection alone picks it first
  writeMetagraph(file, miners.slice(0, 3).map((m, uid) => ({ uid, hotkey: m.hotkey.ss58, port: m.port, stake: uid === 1 ? 10_000 : 10, incentive: uid === 1 ? 0.9 : 0.1 })));
  const alone = join(dir, 'alone.json');
  writeMetagraph(alone, [{ uid: 0, hotkey: miners[3]!.hotkey.ss58, port: miners[3]!.port, stake: 10, incentive: 0.5 }]);
  const subnet = (metagraph: string, integrity: Record<string, unknown>) => subnetProvider(metagraph, wallet, integrity);
  pm = await startPolymath({
    providers: {
      canaried: subnet(file, { mode: 'sampling', rate: 1, canary: 1, quarantine_ms: 60_000 }),
      alone: subnet(alone, { mode: 'sampling', rate: 1, canary: 1, quarantine_ms: 60_000 }),
      backup: subnet(file, { mode: 'trust' }),
    },
    routes: { guarded: { strategy: 'fallback', targets: [{ provider: 'alone' }, { provider: 'backup' }] } },
  });
}, 30_000);

afterAll(async () => {
  await pm?.close();
  await Promise.all(miners.map((m) => m.close()));
  rmSync(dir, { recursive: true, force: true });
});

const ask = (model: string, topic: string) => pm.client.chat.completions.create({ model, messages: [{ role: 'user', content: topic }] }).withResponse();

describe('canaries under sampling', () => {
  it('a miner that fails a canary is quarantined and the client gets a verified miner\'s answer instead', async () => {
    const p = pm.runtime.providers.get('canaried') as SubnetProvider;
    const answers: string[] = [];
    for (let i = 0; i < 12; i++) answers.push((await ask('canaried', `glaciers ${i}`)).data.choices[0].message.content ?? '');

    // every client got an answer to its own question, and no canary text reached one
    answers.forEach((a, i) => expect(a).toContain(`glaciers ${i}`));
    expect(answers.join('\n')).not.toMatch(/canary-|Reply with exactly/);

    // the lazy miner was sent a canary, answered it wrong, and is out
    const canariesTo = (m: FakeMiner) => m.received.filter((r) => CANARY.test(promptOf(r.body as never)));
    expect(canariesTo(miners[1]!).length).toBeGreaterThanOrEqual(1);
    const lazy = p.states.get(1)!;
    expect(lazy.isQuarantined()).toBe(true);
    expect(lazy.successEwma).toBe(0);
    expect(p.rank({}).map((r) => r.neuron.uid)).not.toContain(1);
    expect(p.integrityStats.canaries_failed).toBe(1);

    // honest miners were canaried too, passed, and still serve
    expect(canariesTo(miners[0]!).length + canariesTo(miners[2]!).length).toBeGreaterThanOrEqual(1);
    expect(p.integrityStats.canaries).toBeGreaterThan(p.integrityStats.canaries_failed);
    expect(p.states.get(0)!.isQuarantined()).toBe(false);
    expect(p.states.get(2)!.isQuarantined()).toBe(false);
    expect(p.describe().integrity).toMatchObject({ canaries: p.integrityStats.canaries, canaries_failed: 1 });
  });

  it('with no other miner left, the request fails over to the route\'s next target, still without the canary', async () => {
    const p = pm.runtime.providers.get('alone') as SubnetProvider;
    const seen: Array<{ content: string; provider: string | null }> = [];
    // the lone miner answers its first calls (probation finds no second miner), then gets a canary
    for (let i = 0; i < 6 && p.integrityStats.canaries_failed === 0; i++) {
      const { data, response } = await ask('guarded', `deserts ${i}`);
      seen.push({ content: data.choices[0].message.content ?? '', provider: response.headers.get('x-polymath-provider') });
    }
    expect(p.integrityStats.canaries_failed).toBe(1);
    expect(p.states.get(0)!.isQuarantined()).toBe(true);
    const last = seen.at(-1)!;
    expect(last.provider).toBe('backup');
    expect(last.content).toContain(`deserts ${seen.length - 1}`);
    expect(seen.map((s) => s.content).join('\n')).not.toMatch(/canary-|Reply with exactly/);
    // and the quarantined miner is not asked again: the route goes straight to its next target
    const { response } = await ask('guarded', 'deserts again');
    expect(response.headers.get('x-polymath-provider')).toBe('backup');
  });
});
