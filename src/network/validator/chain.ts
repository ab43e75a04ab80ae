/**
 * set_weights on chain: `SubtensorModule.set_weights(netuid, dests, weights, version_key)`, built
 * from the node's own metadata with @polkadot/api and signed with the validator's hotkey. A
 * local rate limit (min_interval_ms) keeps calls under the chain's `WeightsSetRateLimit`.
 */
import { ApiPromise, WsProvider } from '@polkadot/api';
import type { IKeyringPair } from '@polkadot/types/types';
import { u8aConcat } from '@polkadot/util';
import type { Hotkey } from '../wallet/index.js';
import { Abort, onAbort, type Signal } from '../../abort.js';
import { deadline } from '../../providers/deadline.js';
import { toU16, type Weight } from './weights.js';

/** sr25519 in MultiSignature: the variant byte 0x01 before the 64-byte signature. */
const SR25519_TYPE = new Uint8Array([1]);

/** The hotkey as @polkadot/api's signer: the secret stays inside `Hotkey.sign`. */
export function keyringPairOf(hotkey: Hotkey): IKeyringPair {
  return {
    address: hotkey.ss58,
    addressRaw: hotkey.publicKey,
    publicKey: hotkey.publicKey,
    sign: (data, options) => (options?.withType ? u8aConcat(SR25519_TYPE, hotkey.sign(data)) : hotkey.sign(data)),
  };
}

/** Allows one call per `minIntervalMs`. */
export class RateLimit {
  private last: number | null = null;
  constructor(private readonly minIntervalMs: number) {}
  ready(now = Date.now()): boolean {
    return this.last === null || now - this.last >= this.minIntervalMs;
  }
  mark(now = Date.now()): void {
    this.last = now;
  }
}

export interface ChainOptions {
  url: string;
  netuid: number;
  versionKey: number;
  timeoutMs: number;
}

/**
 * Sends set_weights and waits until it is in a block; answers the block hash. One deadline
 * (`timeoutMs`) covers everything — connecting, reading the runtime's metadata, signing, the node's
 * answer and inclusion — and `signal` (the validator stopping) ends it at once. Whatever happens,
 * the subscription and the connection are closed before it returns.
 */
export async function setWeightsOnChain(weights: readonly Weight[], hotkey: Hotkey, opts: ChainOptions, signal: Signal = new Abort()): Promise<string> {
  const { uids, values } = toU16(weights);
  if (uids.length === 0) throw new Error('no positive weight to set');
  const limit = deadline(signal, opts.timeoutMs);
  const provider = new WsProvider(opts.url, false, {}, opts.timeoutMs);
  let api: ApiPromise | undefined;
  let unsubscribe: (() => void) | undefined;
  let unlisten = () => {};
  try {
    return await new Promise<string>((resolve, reject) => {
      unlisten = onAbort(limit.abort, () =>
        reject(new Error(signal.aborted ? `set_weights aborted: ${String((signal.reason as Error | undefined)?.message ?? signal.reason)}` : `set_weights not in a block within ${opts.timeoutMs} ms`)),
      );
      if (limit.abort.aborted) return reject(new Error('set_weights aborted before it started'));
      const send = async () => {
        await provider.connect();
        api = await ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true });
        // ended while connecting: the cleanup below may have run before `api` existed
        if (limit.abort.aborted) return void (await api.disconnect().catch(() => {}));
        const chain = api;
        const tx = chain.tx.subtensorModule.setWeights(opts.netuid, uids, values, opts.versionKey);
        unsubscribe = await tx.signAndSend(keyringPairOf(hotkey), ({ status, dispatchError }) => {
          if (dispatchError) {
            const detail = dispatchError.isModule ? chain.registry.findMetaError(dispatchError.asModule) : undefined;
            reject(new Error(`set_weights failed: ${detail ? `${detail.section}.${detail.name}` : dispatchError.toString()}`));
          } else if (status.isInBlock) resolve(status.asInBlock.toHex());
          else if (status.isDropped || status.isInvalid || status.isUsurped) reject(new Error(`set_weights ${status.type.toLowerCase()} by the node`));
        });
      };
      send().catch((err: unknown) => reject(err instanceof Error ? err : new Error(String(err))));
    });
  } finally {
    unlisten();
    limit.release();
    try {
      unsubscribe?.();
    } catch {
      // the connection may already be gone
    }
    await (api ?? provider).disconnect().catch(() => {});
  }
}
