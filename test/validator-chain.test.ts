/**
 * set_weights reaches a node: the validator's chain call connects with @polkadot/api to a fake
 * subtensor node that answers from node-subtensor's real runtime metadata, signs and submits
 * `SubtensorModule.set_weights`, and the test decodes what the node received with that metadata.
 */
import { blake2AsU8a, cryptoWaitReady, mnemonicGenerate, signatureVerify } from '@polkadot/util-crypto';
import type { Extrinsic } from '@polkadot/types/interfaces';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setWeightsOnChain } from '../src/network/validator/index.js';
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

  it('refuses to send when no weight is positive', async () => {
    await expect(setWeightsOnChain([], hotkey, { url: node.ws, netuid: 11, versionKey: 1, timeoutMs: 2_000 })).rejects.toThrow(/no positive weight/);
  });
});
