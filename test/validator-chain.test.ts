/**
 * set_weights reaches a node: the validator's chain call connects with @polkadot/api to a fake
 * subtensor node that answers from node-subtensor's real runtime metadata, signs and submits
 * `SubtensorModule.set_weights`, and the test decodes what the node received with that metadata.
 */
import { blake2AsU8a, cryptoWaitReady, mnemonicGenerate, signatureVerify } from '@polkadot/util-crypto';
import type { Extrinsic } from '@polkadot/types/interfaces';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { validatorSchema } from '../src/config/validator.js';
import type { Neuron } from '../src/network/metagraph/index.js';
import { setWeightsOnChain, Validator } from '../src/network/validator/index.js';
import { createRuntime } from '../src/runtime.js';
import { migrateToLatest, openStore } from '../src/store/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { startFakeMiner } from './helpers/fake-miner.js';
import { hotkeyFromMnemonic, type Hotkey } from '../src/network/wallet/index.js';
import { startFakeSubtensor, type FakeSubtensor } from './helpers/fake-subtensor.js';
import { SUBTENSOR_CHAIN } from './helpers/fake-subtensor-chain.js';

let node: FakeSubtensor;
let hotkey: Hotkey;

beforeAll(async () => {
  await cryptoWaitReady();
  hotkey = hotkeyFromMnemonic(mnemonicGenerate());
  node = await startFakeSubtensor();
});
afterAll(() => node.close());

const weights = [
  { uid: 2, hotkey: 'a', weight: 0.5 },
  { uid: 5, hotkey: 'b', weight: 0.25 },
  { uid: 9, hotkey: 'c', weight: 0.25 },
];

describe('set_weights on a subtensor node', () => {
  it('submits a SubtensorModule.set_weights extrinsic signed by the hotkey, with u16 weights and the version key', async () => {
    node.chain.submitted.length = 0;
    const block = await setWeightsOnChain(weights, hotkey, { url: node.ws, netuid: 11, versionKey: 2_041, timeoutMs: 10_000 });
    expect(block).toBe(node.chain.headerHash);
    expect(node.chain.submitted).toHaveLength(1);

    const registry = node.chain.registry;
    const xt = registry.createType('Extrinsic', node.chain.submitted[0]) as Extrinsic;
    expect(xt.isSigned).toBe(true);
    expect(`${xt.method.section}.${xt.method.method}`).toBe('subtensorModule.setWeights');
    const call = registry.findMetaCall(xt.method.callIndex);
    expect(`${call.section}.${call.method}`).toBe('subtensorModule.setWeights');
    const args = xt.method.toJSON() as { args: { netuid: number; dests: number[]; weights: number[]; version_key: number } };
    expect(args.args).toEqual({ netuid: 11, dests: [2, 5, 9], weights: [65_535, 32_768, 32_768], version_key: 2_041 });
    expect(xt.signer.toString()).toBe(hotkey.ss58);
    expect(xt.nonce.toNumber()).toBe(7);

    // the signature covers the payload the chain rebuilds: call, era, nonce, tip, spec and tx versions, genesis, era block
    const era = xt.era;
    const payload = registry.createType('ExtrinsicPayload', {
      method: xt.method.toHex(),
      era: era.toHex(),
      nonce: xt.nonce.toNumber(),
      tip: xt.tip.toString(),
      specVersion: SUBTENSOR_CHAIN.specVersion,
      transactionVersion: SUBTENSOR_CHAIN.transactionVersion,
      genesisHash: SUBTENSOR_CHAIN.genesisHash,
      blockHash: era.isMortalEra ? node.chain.headerHash : SUBTENSOR_CHAIN.genesisHash,
      version: 4,
    });
    let message = payload.toU8a({ method: true });
    if (message.length > 256) message = blake2AsU8a(message, 256);
    const sig = xt.signature.toU8a();
    expect(signatureVerify(message, sig, hotkey.publicKey)).toMatchObject({ isValid: true, crypto: 'sr25519' });
    // and not from any other key
    const other = hotkeyFromMnemonic(mnemonicGenerate());
    expect(signatureVerify(message, sig, other.publicKey).isValid).toBe(false);
  });

  it('reports a transaction the node refuses, with its reason', async () => {
    node.chain.rejectWith = { code: 1010, message: 'Invalid Transaction', data: 'Transaction has a bad signature' };
    try {
      await expect(setWeightsOnChain(weights, hotkey, { url: node.ws, netuid: 11, versionKey: 1, timeoutMs: 10_000 })).rejects.toThrow(/1010|Invalid Transaction/);
    } finally {
      node.chain.rejectWith = null;
    }
  });

  it('gives up at its deadline when the extrinsic never reaches a block', async () => {
    node.chain.stall = true;
    try {
      await expect(setWeightsOnChain(weights, hotkey, { url: node.ws, netuid: 11, versionKey: 1, timeoutMs: 1_500 })).rejects.toThrow(/not in a block within 1500 ms/);
    } finally {
      node.chain.stall = false;
    }
  });

  it('gives up at its deadline when the node never answers, connection included', async () => {
    node.silent = true;
    try {
      await expect(setWeightsOnChain(weights, hotkey, { url: node.ws, netuid: 11, versionKey: 1, timeoutMs: 1_000 })).rejects.toThrow(/not in a block within 1000 ms/);
    } finally {
      node.silent = false;
    }
  });

  it('sends nothing when its signal has already aborted', async () => {
    node.chain.submitted.length = 0;
    await expect(setWeightsOnChain(weights, hotkey, { url: node.ws, netuid: 11, versionKey: 1, timeoutMs: 5_000 }, AbortSignal.abort(new Error('stopped')))).rejects.toThrow(/aborted/);
    expect(node.chain.submitted).toEqual([]);
  });

  it('ends at once when its signal aborts (the validator stopping)', async () => {
    node.chain.submitted.length = 0;
    node.chain.stall = true;
    const stop = new AbortController();
    try {
      const sending = setWeightsOnChain(weights, hotkey, { url: node.ws, netuid: 11, versionKey: 1, timeoutMs: 30_000 }, stop.signal);
      setTimeout(() => stop.abort(new Error('the validator is stopping')), 50);
      await expect(sending).rejects.toThrow(/aborted: the validator is stopping/);
    } finally {
      node.chain.stall = false;
    }
  });

  it('refuses to send when no weight is positive', async () => {
    await expect(setWeightsOnChain([], hotkey, { url: node.ws, netuid: 11, versionKey: 1, timeoutMs: 2_000 })).rejects.toThrow(/no positive weight/);
  });
});

describe('the validator on chain', () => {
  it('after a round, sets its weights on the node once per rate-limit interval, signed by its hotkey', async () => {
    node.chain.submitted.length = 0;
    const miners = await Promise.all([startFakeMiner(), startFakeMiner(), startFakeMiner({ behaviour: 'fail' })]);
    const neurons: Neuron[] = miners.map((m, uid) => ({
      uid: uid + 3, hotkey: m.hotkey.ss58, coldkey: m.hotkey.ss58, stake: 10, active: true, validator_permit: false, incentive: 0, consensus: 0, dividends: 0, emission: 0, validator_trust: 0, last_update: 1, axon: { ip: '127.0.0.1', port: m.port },
    }));
    const logger = createLogger('silent');
    const runtime = await createRuntime(parseConfig({ store: { url: 'sqlite://:memory:' } }), logger);
    const store = openStore('sqlite://:memory:');
    await migrateToLatest(store.db);
    const cfg = validatorSchema.parse({ interval_ms: 60_000, timeout_ms: 5_000, chain: { subtensor_url: node.ws, version_key: 900, min_interval_ms: 60_000, timeout_ms: 10_000 } });
    const v = new Validator({ cfg, netuid: 4, hotkey, metagraph: { neurons: () => neurons }, store, gateway: runtime, logger });
    try {
      const task = { type: 'chat', prompt: 'Explain volcanoes to a student.', topic: 'volcanoes' } as const;
      await v.round(task);
      await v.round(task);
      expect(node.chain.submitted).toHaveLength(1);
      const xt = node.chain.registry.createType('Extrinsic', node.chain.submitted[0]) as Extrinsic;
      expect(xt.signer.toString()).toBe(hotkey.ss58);
      const { args } = xt.method.toJSON() as { args: { netuid: number; dests: number[]; weights: number[]; version_key: number } };
      // the failing miner (uid 5) scored 0: it is left out; the two honest ones share the weight
      expect(args.netuid).toBe(4);
      expect(args.dests).toEqual([3, 4]);
      expect(Math.max(...args.weights)).toBe(65_535);
      expect(Math.min(...args.weights)).toBeGreaterThan(0);
      expect(args.version_key).toBe(900);
    } finally {
      await v.stop();
      await store.close?.();
      await runtime.close();
      await Promise.all(miners.map((m) => m.close()));
    }
  });
});
