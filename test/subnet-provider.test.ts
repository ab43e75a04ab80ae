/**
 * The subnet provider against miners on real sockets with real sr25519 signatures: selection,
 * k-parallel first-verified-wins, answer verification (signer = the uid's hotkey, content
 * schema), content endpoints, streams, breakers, fallback to the next provider in the route.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SubnetProvider } from '../src/providers/subnet/index.js';
import { startFakeMiner, type FakeMiner } from './helpers/fake-miner.js';
import { assertSchema } from './helpers/openapi.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';
import { tempDir, writeMetagraph, writeWallet, type TestWallet } from './helpers/subnet.js';

let dir: string;
let wallet: TestWallet;
let miners: FakeMiner[];
let pm: TestPolymath;
let subnet: SubnetProvider;

const SUBNET = (file: string, extra: Record<string, unknown> = {}) => ({
  type: 'subnet',
  netuid: 1,
  metagraph: { source: 'static', file, refresh_ms: 60_000 },
  wallet: { name: wallet.name, hotkey: wallet.hotkey, path: wallet.path },
  selection: { k: 2, explore: 0 },
  breaker: { failures: 2, half_open_after_ms: 60_000 },
  timeout_ms: 5_000,
  ...extra,
});

beforeAll(async () => {
  dir = tempDir();
  wallet = await writeWallet(dir);
  miners = await Promise.all([0, 1, 2, 3].map(() => startFakeMiner()));
  const file = join(dir, 'metagraph.json');
  writeMetagraph(file, miners.map((m, uid) => ({ uid, hotkey: m.hotkey.ss58, port: m.port, stake: 100 * (uid + 1) })));
  pm = await startPolymath({
    providers: { bittensor: SUBNET(file), library: { type: 'library' } },
    routes: { default: { targets: [{ provider: 'bittensor' }, { provider: 'library' }] }, subnet: { targets: [{ provider: 'bittensor' }] } },
  });
  subnet = pm.runtime.providers.get('bittensor') as SubnetProvider;
}, 30_000);

afterAll(async () => {
  await pm?.close();
  await Promise.all(miners.map((m) => m.close()));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  for (const m of miners) {
    m.behaviour = 'honest';
    m.delayMs = 0;
    m.received.length = 0;
  }
  subnet.states.clear();
});

const chats = (m: FakeMiner) => m.received.filter((r) => r.path === '/v1/chat/completions');

describe('subnet provider', () => {
  it('answers a chat through the official openai client from a miner, with a signed request for that miner', async () => {
    const res = await pm.client.chat.completions.create({ model: 'subnet', messages: [{ role: 'user', content: 'volcanoes' }] });
    assertSchema('CreateChatCompletionResponse', res);
    expect(res.choices[0].message.content).toContain('volcanoes');
    const asked = miners.filter((m) => chats(m).length > 0);
    expect(asked.length).toBeGreaterThanOrEqual(1);
    expect(asked.length).toBeLessThanOrEqual(2);
    const h = chats(asked[0])[0].headers;
    expect(h['epistula-signed-by']).toBe(wallet.key.ss58);
    expect(h['epistula-signed-for']).toBe(asked[0].hotkey.ss58);
  });

  it('asks k miners at once, keeps the first verified answer and aborts the slower one', async () => {
    const ranked = subnet.rank({});
    const [first, second] = ranked.slice(0, 2).map((r) => miners[r.neuron.uid]);
    first.delayMs = 3_000;
    const res = await pm.client.chat.completions.create({ model: 'subnet', messages: [{ role: 'user', content: 'rivers' }] });
    expect(res.choices[0].message.content).toContain('rivers');
    expect(chats(first)).toHaveLength(1);
    expect(chats(second)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(chats(first)[0].aborted).toBe(true);
  });

  it('never accepts an answer signed by a key other than the hotkey of the uid called', async () => {
    for (const m of miners) m.behaviour = 'forged';
    miners[3].behaviour = 'honest';
    for (let i = 0; i < 3; i++) {
      const res = await pm.client.chat.completions.create({ model: 'subnet', messages: [{ role: 'user', content: `forgery ${i}` }] });
      expect(res.choices[0].message.content).toContain(`forgery ${i}`);
    }
    const honest = subnet.states.get(3)!;
    expect(honest.successEwma).toBe(1);
    const forged = [0, 1, 2].map((uid) => subnet.states.get(uid)!).filter((s) => s.calls > 0);
    expect(forged.length).toBeGreaterThan(0);
    for (const s of forged) expect(s.successEwma!).toBeLessThan(1);
  });

  it('refuses an answer signed for another request (not carrying this request\'s uuid)', async () => {
    for (const m of miners) m.behaviour = 'other_uuid';
    const res = await fetch(`${pm.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'subnet', messages: [{ role: 'user', content: 'x' }] }) });
    const body = (await res.json()) as { error: { message: string } };
    expect(res.status).toBe(502);
    expect(body.error.message).toMatch(/another request/);
  });

  it('refuses unsigned answers and moves on to the next miner', async () => {
    for (const m of miners) m.behaviour = 'unsigned';
    const res = await fetch(`${pm.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'subnet', messages: [{ role: 'user', content: 'x' }] }) });
    const body = (await res.json()) as { error: { message: string } };
    expect(res.status).toBe(502);
    expect(body.error.message).toMatch(/signature/);
  });

  it('sends a content request to the miners\' content endpoint and accepts only schema-valid content', async () => {
    const ranked = subnet.rank({ intent: { kind: 'explanation' } });
    miners[ranked[0].neuron.uid].behaviour = 'invalid_content';
    const res = await fetch(`${pm.url}/v1/content/explanation`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'volcanoes', persona: { grade: 5 }, model: 'subnet' }) });
    const body = (await res.json()) as { content: { title: string }; provider: string };
    expect(res.status).toBe(200);
    expect(body.provider).toBe('bittensor');
    expect(body.content.title).toContain('volcanoes');
    const calls = miners.flatMap((m) => m.received.filter((r) => r.path === '/v1/content/explanation'));
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls[0].body).toMatchObject({ topic: 'volcanoes', persona: { grade: 5 } });
    expect(miners.every((m) => chats(m).length === 0)).toBe(true);
  });

  it('puts the miners that serve a content kind first (expert registry)', async () => {
    miners[1].availability = { kinds: ['quiz'] };
    miners[2].availability = { kinds: ['quiz'] };
    miners[3].availability = { kinds: ['lesson'] };
    miners[0].availability = { kinds: ['lesson'] };
    await subnet.pollAvailability();
    const quiz = subnet.rank({ intent: { kind: 'quiz' } }).map((r) => r.neuron.uid);
    expect(quiz.slice(0, 2).sort()).toEqual([1, 2]);
    const lesson = subnet.rank({ intent: { kind: 'lesson' } }).map((r) => r.neuron.uid);
    expect(lesson.slice(0, 2).sort()).toEqual([0, 3]);
    const hits = subnet.plans.hits;
    subnet.rank({ intent: { kind: 'quiz' } });
    expect(subnet.plans.hits).toBe(hits + 1);
    for (const m of miners) m.availability = {};
    await subnet.pollAvailability();
    expect(subnet.rank({ intent: { kind: 'quiz' } }).every((r) => r.specialist)).toBe(true);
  });

  it('streams from the first miner that produces content; a miner failing before content is passed over', async () => {
    const ranked = subnet.rank({});
    miners[ranked[0].neuron.uid].behaviour = 'fail';
    const stream = await pm.client.chat.completions.create({ model: 'subnet', stream: true, messages: [{ role: 'user', content: 'glaciers' }] });
    let text = '';
    for await (const chunk of stream) {
      assertSchema('CreateChatCompletionStreamResponse', chunk);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toContain('glaciers');
  });

  it('ends a stream with an error when its signed chunk is missing, and quarantines the miner', async () => {
    for (const m of miners) m.behaviour = 'unsigned';
    const stream = await pm.client.chat.completions.create({ model: 'subnet', stream: true, messages: [{ role: 'user', content: 'deserts' }] });
    await expect(async () => {
      for await (const _ of stream) void _;
    }).rejects.toThrow();
    const quarantined = [...subnet.states.all()].filter((s) => s.isQuarantined());
    expect(quarantined.length).toBe(1);
  });

  it('opens a failing miner\'s circuit and falls back to the next provider when every miner fails', async () => {
    for (const m of miners) m.behaviour = 'fail';
    const res = await pm.client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'volcano' }] }).withResponse();
    expect(res.response.headers.get('x-polymath-provider')).toBe('library');
    for (let i = 0; i < 3; i++) await pm.client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'volcano' }] });
    expect([...subnet.states.all()].some((s) => s.stats.breakerState === 'open')).toBe(true);
  });

  it('shows each miner\'s score parts in GET /v1/admin/providers', async () => {
    const res = await fetch(`${pm.url}/v1/admin/providers`);
    const body = (await res.json()) as { data: Array<{ provider: string; details?: { miners: Array<{ uid: number; score: Record<string, number> }> } }> };
    const row = body.data.find((d) => d.provider === 'bittensor')!;
    expect(row.details!.miners).toHaveLength(4);
    for (const m of row.details!.miners) {
      for (const part of ['weight', 'stake', 'reliability', 'latency', 'load', 'freshness', 'total']) {
        expect(m.score[part]).toBeGreaterThanOrEqual(0);
        expect(m.score[part]).toBeLessThanOrEqual(1);
      }
    }
  });
});
