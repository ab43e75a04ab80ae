/**
 * The chain half of the fake subtensor node: the JSON-RPC methods @polkadot/api calls to connect,
 * build, sign and submit an extrinsic, answered from node-subtensor's real runtime metadata
 * (mainnet spec 219, vendored under test/fixtures/subtensor/). Submitted extrinsics are kept as
 * hex for the test to decode; `author_submitAndWatchExtrinsic` reports `ready` then `inBlock`.
 */
import { readFileSync } from 'node:fs';
import { Metadata, TypeRegistry } from '@polkadot/types';
import { u8aToHex } from '@polkadot/util';
import { SUBTENSOR_METADATA } from './fixtures.js';

/** What the metadata blob was taken at (Bittensor mainnet, block 4,898,328). */
export const SUBTENSOR_CHAIN = {
  genesisHash: '0x2f0555cc76fc2840a25a6ea3b9637146806f1f44b090c175ffde2a7e5ab36c03',
  specName: 'node-subtensor',
  specVersion: 219,
  transactionVersion: 1,
  bestNumber: 4_898_328,
} as const;

/** A registry with subtensor's metadata, as a decoder of what the node was sent. */
export function subtensorRegistry(): TypeRegistry {
  const registry = new TypeRegistry();
  const metadata = new Metadata(registry, readFileSync(SUBTENSOR_METADATA));
  registry.setMetadata(metadata);
  return registry;
}

export interface ChainState {
  registry: TypeRegistry;
  metadataHex: string;
  /** the best (and finalized) header, as JSON-RPC answers it */
  header: { parentHash: string; number: string; stateRoot: string; extrinsicsRoot: string; digest: { logs: string[] } };
  headerHash: string;
  /** signed extrinsics received, hex */
  submitted: string[];
  /** answer author_submit* with this dispatch outcome: null = in a block */
  rejectWith: { code: number; message: string; data?: string } | null;
  /** never report inBlock (for deadline tests) */
  stall: boolean;
  nextSub: number;
  /** the runtime's type of System.Account values */
  accountType: string;
}

export function chainState(): ChainState {
  const registry = subtensorRegistry();
  const metadataHex = u8aToHex(readFileSync(SUBTENSOR_METADATA));
  const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
  const header = { parentHash: hash(SUBTENSOR_CHAIN.bestNumber - 1), number: `0x${SUBTENSOR_CHAIN.bestNumber.toString(16)}`, stateRoot: hash(1), extrinsicsRoot: hash(2), digest: { logs: [] } };
  const headerHash = registry.createType('Header', header).hash.toHex();
  const system = registry.metadata.pallets.find((p) => p.name.eq('System'));
  const account = system?.storage.unwrap().items.find((i) => i.name.eq('Account'));
  if (!account) throw new Error('the metadata has no System.Account');
  const accountType = registry.createLookupType(account.type.asMap.value);
  return { registry, metadataHex, header, headerHash, submitted: [], rejectWith: null, stall: false, nextSub: 1, accountType };
}

export const CHAIN_METHODS = [
  'rpc_methods', 'system_chain', 'system_name', 'system_version', 'system_properties', 'system_health', 'system_accountNextIndex',
  'chain_getBlockHash', 'chain_getHeader', 'chain_getFinalizedHead', 'chain_getBlock', 'state_getMetadata', 'state_getRuntimeVersion',
  'state_getStorage', 'state_subscribeStorage', 'state_unsubscribeStorage', 'state_subscribeRuntimeVersion', 'state_unsubscribeRuntimeVersion', 'author_submitExtrinsic',
  'author_submitAndWatchExtrinsic', 'author_unwatchExtrinsic', 'state_call',
];

/** the signer's next nonce, as the node reports it */
export const NONCE = 7;
/** twox128("System") ++ twox128("Account") */
const SYSTEM_ACCOUNT = '0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9';

type Reply = { result: unknown } | { error: { code: number; message: string; data?: string } };
/** sends a subscription notification (WebSocket only) */
export type Notify = (method: string, subscription: string, result: unknown) => void;

/** Answers one chain method, or undefined when `method` is not one of them. */
export function answerChain(state: ChainState, method: string, params: unknown[], notify: Notify | undefined): Reply | undefined {
  const runtimeVersion = {
    specName: SUBTENSOR_CHAIN.specName, implName: SUBTENSOR_CHAIN.specName, authoringVersion: 1, specVersion: SUBTENSOR_CHAIN.specVersion,
    implVersion: 1, apis: [], transactionVersion: SUBTENSOR_CHAIN.transactionVersion, stateVersion: 1,
  };
  switch (method) {
    case 'rpc_methods':
      return { result: { version: 1, methods: CHAIN_METHODS } };
    case 'system_chain':
      return { result: 'Bittensor' };
    case 'system_name':
      return { result: 'Subtensor Node' };
    case 'system_version':
      return { result: '4.0.0-dev' };
    case 'system_properties':
      return { result: { ss58Format: 42, tokenDecimals: 9, tokenSymbol: 'TAO' } };
    case 'system_health':
      return { result: { peers: 8, isSyncing: false, shouldHavePeers: true } };
    case 'system_accountNextIndex':
      return { result: NONCE };
    case 'chain_getBlockHash':
      return { result: params[0] === 0 ? SUBTENSOR_CHAIN.genesisHash : state.headerHash };
    case 'chain_getFinalizedHead':
      return { result: state.headerHash };
    case 'chain_getHeader':
      return { result: state.header };
    case 'chain_getBlock':
      return { result: { block: { header: state.header, extrinsics: [...state.submitted] }, justifications: null } };
    case 'state_getMetadata':
      return { result: state.metadataHex };
    case 'state_getRuntimeVersion':
      return { result: runtimeVersion };
    case 'state_getStorage':
      // System.Events at the block: an empty Vec<EventRecord>
      return { result: '0x00' };
    case 'state_subscribeRuntimeVersion': {
      const sub = String(state.nextSub++);
      setImmediate(() => notify?.('state_runtimeVersion', sub, runtimeVersion));
      return { result: sub };
    }
    case 'state_subscribeStorage': {
      // System.Account of the signer: nonce NONCE, the rest zero
      const sub = String(state.nextSub++);
      const keys = (params[0] as string[] | undefined) ?? [];
      const account = u8aToHex(state.registry.createType(state.accountType, { nonce: NONCE, providers: 1 }).toU8a());
      setImmediate(() => notify?.('state_storage', sub, { block: state.headerHash, changes: keys.map((k) => [k, k.startsWith(SYSTEM_ACCOUNT) ? account : null]) }));
      return { result: sub };
    }
    case 'state_unsubscribeStorage':
    case 'state_unsubscribeRuntimeVersion':
    case 'author_unwatchExtrinsic':
      return { result: true };
    case 'author_submitExtrinsic':
    case 'author_submitAndWatchExtrinsic': {
      const hex = String(params[0]);
      if (state.rejectWith) return { error: state.rejectWith };
      state.submitted.push(hex);
      const txHash = state.registry.createType('Extrinsic', hex).hash.toHex();
      if (method === 'author_submitExtrinsic') return { result: txHash };
      const sub = String(state.nextSub++);
      if (notify && !state.stall) {
        setTimeout(() => notify('author_extrinsicUpdate', sub, 'ready'), 5);
        setTimeout(() => notify('author_extrinsicUpdate', sub, { inBlock: state.headerHash }), 20);
      }
      return { result: sub };
    }
    default:
      return undefined;
  }
}
