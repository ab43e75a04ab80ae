/**
 * The validator against miners on real sockets with real signatures: rounds move the EMA, the
 * cheater's weight falls below the honest miners', EMAs survive a restart (SQLite file and
 * Postgres), a new hotkey at a uid starts afresh, generation-mode multipliers and the local-mode
 * check against the validator's own stories260K model, GET /weights.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { validatorSchema } from '../src/config/validator.js';
import type { Neuron } from '../src/network/metagraph/index.js';
import { startValidatorServer, Validator, type Task } from '../src/network/validator/index.js';
import { LlamaCppProvider } from '../src/providers/llama-cpp/index.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { migrateToLatest, openStore, type Store } from '../src/store/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { startFakeMiner, type FakeMiner } from './helpers/fake-miner.js';
import { STORIES_MODEL } from './helpers/fixtures.js';
import { PG_URL, postgresAvailable } from './helpers/services.js';
import { tempDir, writeWallet, type TestWallet } from './helpers/subnet.js';

const logger = createLogger('silent');
let dir: string;
let wallet: TestWallet;
let miners: FakeMiner[];
let neurons: Neuron[];
let runtime: Runtime;

const neuronOf = (uid: number, m: FakeMiner): Neuron => ({
  uid, hotkey: m.hotkey.ss58, coldkey: m.hotkey.ss58, stake: 10, active: true, validator_permit: false, incentive: 0, consensus: 0, dividends: 0, emission: 0, validator_trust: 0, last_update: 1, axon: { ip: '127.0.0.1', port: m.port },
});

const CHAT: Task = { type: 'chat', prompt: 'Explain volcanoes to a student.', topic: 'volcanoes' };
const CONTENT: Task = { type: 'content', kind: 'explanation', topic: 'rivers', persona: { grade: 4 } };

function validator(store: Store, extra: Record<string, unknown> = {}) {
  const cfg = validatorSchema.parse({ interval_ms: 60_000, sample_size: 8, timeout_ms: 5_000, ...extra });
  return new Validator({ cfg, netuid: 1, hotkey: wallet.key, metagraph: { neurons: () => neurons }, store, gateway: runtime, logger });
}

beforeAll(async () => {
  dir = tempDir();
  wallet = await writeWallet(dir);
  miners = await Promise.all([startFakeMiner(), startFakeMiner(), startFakeMiner({ behaviour: 'canned' }), startFakeMiner({ behaviour: 'fail' })]);
  neurons = miners.map((m, uid) => neuronOf(uid, m));
  runtime = await createRuntime(
    parseConfig({ store: { url: 'sqlite://:memory:' }, providers: { stories: { type: 'llama-cpp', model_path: STORIES_MODEL, threads: 1, parallel: 1, default_model: 'stories260K' } } }),
    logger,
  );
}, 60_000);

afterAll(async () => {
  await runtime?.close();
  await Promise.all(miners.map((m) => m.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('validator rounds', () => {
  it('the cheater\'s and the failing miner\'s weights fall below the honest miners\' within a few rounds, published at GET /weights', async () => {
    const store = openStore(`sqlite://${join(dir, 'v1.db')}`);
    await migrateToLatest(store.db);
    const v = validator(store);
    for (const task of [CHAT, CONTENT, CHAT]) await v.round(task);
    const ema = (uid: number) => v.emaOf(uid)!.ema;
    expect(ema(0)).toBeGreaterThan(50);
    expect(ema(1)).toBeGreaterThan(50);
    expect(ema(2)).toBeLessThan(ema(0) / 2);
    expect(ema(3)).toBe(0);
    const server = await startValidatorServer(v, '127.0.0.1', 0);
    try {
      const body = (await (await fetch(`${server.url}/weights`)).json()) as { netuid: number; updated_at: string; weights: Array<{ uid: number; hotkey: string; weight: number }> };
      expect(body.netuid).toBe(1);
      expect(Date.parse(body.updated_at)).toBeGreaterThan(0);
      expect(body.weights.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(1);
      const w = new Map(body.weights.map((x) => [x.uid, x]));
      expect(w.get(0)!.hotkey).toBe(miners[0].hotkey.ss58);
      expect(w.get(2)?.weight ?? 0).toBeLessThan(w.get(0)!.weight);
      expect(w.has(3)).toBe(false);
      // every challenge was signed for the miner it went to
      const sent = miners[0].received.filter((r) => r.path !== '/availability');
      expect(sent.length).toBe(3);
      expect(sent.every((r) => r.headers['epistula-signed-for'] === miners[0].hotkey.ss58 && r.headers['epistula-signed-by'] === wallet.key.ss58)).toBe(true);
    } finally {
      await server.close();
      await v.stop();
    }
    // a restart keeps the EMAs
    const again = validator(store);
    await again.start();
    expect(again.emaOf(0)!.ema).toBeCloseTo(ema(0));
    expect(again.emaOf(0)!.rounds).toBe(3);
    await again.stop();
    await store.close();
  });

  it('starts a uid afresh when its hotkey changes', async () => {
    const store = openStore('sqlite://:memory:');
    await migrateToLatest(store.db);
    const v = validator(store);
    await v.round(CHAT);
    await v.round(CHAT);
    expect(v.emaOf(1)!.rounds).toBe(2);
    const replacement = await startFakeMiner();
    const before = neurons[1];
    neurons[1] = neuronOf(1, replacement);
    try {
      await v.round(CHAT);
      expect(v.emaOf(1)).toMatchObject({ hotkey: replacement.hotkey.ss58, rounds: 1 });
      expect(v.weights().weights.find((w) => w.uid === 1)!.hotkey).toBe(replacement.hotkey.ss58);
    } finally {
      neurons[1] = before;
      await replacement.close();
      await v.stop();
      await store.close();
    }
  });

  it('applies the mode multipliers, and a `local` claim that does not reproduce the validator\'s greedy output gets the api multiplier and a penalty', async () => {
    const store = openStore('sqlite://:memory:');
    await migrateToLatest(store.db);
    const v = validator(store, { local_check: { models: { stories260K: 'stories/stories260K' }, penalty: 0.5, max_tokens: 12 } });
    const model = new LlamaCppProvider('miner-model', { type: 'llama-cpp', model_path: STORIES_MODEL, threads: 1, parallel: 1, context_size: 4096, gpu: false, max_queue: 4, timeout_ms: 60_000, models: [] });
    await model.start();
    const truthful = miners[0];
    const liar = miners[1];
    try {
      truthful.availability = { generation_mode: 'local', models: ['stories260K'] };
      liar.availability = { generation_mode: 'local', models: ['stories260K'] };
      miners[2].availability = { generation_mode: 'api' };
      // the truthful miner answers the check with its own copy of the model; the liar with an API-like text
      truthful.answer = async (body) => (body.seed === 7 ? ((await model.chat(body, { signal: new AbortController().signal, model: 'stories260K', requestId: 'x' })).body.choices[0].message.content ?? '') : undefined);
      const report = await v.round(CHAT);
      const by = new Map(report.scored.map((s) => [s.uid, s]));
      expect(by.get(0)!.local_check).toBe('verified');
      expect(by.get(0)!.parts.multiplier).toBe(1.5);
      expect(by.get(1)!.local_check).toBe('failed');
      expect(by.get(1)!.parts.multiplier).toBe(0.25);
      expect(by.get(2)!.parts.multiplier).toBe(0.5);
      expect(by.get(0)!.score).toBeLessThanOrEqual(100);
      expect(by.get(0)!.score).toBeGreaterThan(by.get(1)!.score);
    } finally {
      for (const m of miners) {
        m.availability = {};
        m.answer = undefined;
      }
      await model.close();
      await v.stop();
      await store.close();
    }
  }, 60_000);
});

describe.skipIf(!postgresAvailable)('validator scores in Postgres', () => {
  it('keeps the EMAs across a restart', async () => {
    // a database of its own: kysely looks for its migration table in every schema of a database
    const name = `polymath_validator_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const u = new URL(PG_URL);
    u.pathname = `/${name}`;
    const url = u.toString();
    try {
      const store = openStore(url);
      await migrateToLatest(store.db);
      const v = validator(store);
      await v.round(CHAT);
      await v.round(CHAT);
      await v.stop();
      await store.close();
      const reopened = openStore(url);
      const again = validator(reopened);
      await again.start();
      expect(again.emaOf(0)!.rounds).toBe(2);
      expect(again.emaOf(2)!.ema).toBeLessThan(again.emaOf(0)!.ema);
      await again.stop();
      await reopened.close();
    } finally {
      await admin.query(`drop database if exists ${name}`);
      await admin.end();
    }
  });
});
