/** An sr25519 hotkey in memory: made from a mnemonic, a mini secret or bittensor's `privateKey`. */
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { encodeAddress, mnemonicToMiniSecret, mnemonicValidate, sr25519PairFromSeed } from '@polkadot/util-crypto';
import { sign, verify } from '../sr25519.js';
import { fromSchnorrkelBytes, toSchnorrkelBytes } from './schnorrkel.js';

/** Bittensor addresses use the generic Substrate ss58 prefix. */
export const SS58_PREFIX = 42;

export interface Hotkey {
  ss58: string;
  publicKey: Uint8Array;
  /** an sr25519 signature (64 bytes, randomized) of the message under the "substrate" context */
  sign(message: Uint8Array): Uint8Array;
}

/** A hotkey and the secrets a keyfile records; the secrets stay in this module's callers only. */
export interface KeyMaterial {
  hotkey: Hotkey;
  /** bittensor's `privateKey` form (schnorrkel `to_bytes`) */
  privateKey: Uint8Array;
  miniSecret?: Uint8Array;
  mnemonic?: string;
}

function fromPair(publicKey: Uint8Array, secretKey: Uint8Array): Hotkey {
  const pair = { publicKey, secretKey };
  return {
    ss58: encodeAddress(publicKey, SS58_PREFIX),
    publicKey,
    sign: (message) => sign(message, pair),
  };
}

export function materialFromSeed(miniSecret: Uint8Array, mnemonic?: string): KeyMaterial {
  if (miniSecret.length !== 32) throw new Error(`a secret seed is 32 bytes, found ${miniSecret.length}`);
  const pair = sr25519PairFromSeed(miniSecret);
  return { hotkey: fromPair(pair.publicKey, pair.secretKey), privateKey: toSchnorrkelBytes(pair.secretKey), miniSecret, mnemonic };
}

export function materialFromMnemonic(mnemonic: string): KeyMaterial {
  const phrase = mnemonic.trim().split(/\s+/).join(' ');
  if (!mnemonicValidate(phrase)) throw new Error('the secret phrase is not a valid BIP39 mnemonic');
  return materialFromSeed(mnemonicToMiniSecret(phrase), phrase);
}

/**
 * From bittensor's 64-byte `privateKey` (scalar, not multiplied by the cofactor, then nonce) and
 * the file's `publicKey`; a test signature proves the two belong together.
 */
export function materialFromPrivateKey(privateKey: Uint8Array, publicKey: Uint8Array): KeyMaterial {
  const secretKey = fromSchnorrkelBytes(privateKey);
  const hotkey = fromPair(publicKey, secretKey);
  const probe = new TextEncoder().encode('polymath key check');
  if (!verify(probe, hotkey.sign(probe), publicKey)) throw new Error('privateKey does not match publicKey');
  return { hotkey, privateKey };
}

/** A hotkey from a BIP39 mnemonic, as bittensor derives it (no derivation path, no password). */
export function hotkeyFromMnemonic(mnemonic: string): Hotkey {
  return materialFromMnemonic(mnemonic).hotkey;
}

export const toHex = (bytes: Uint8Array): string => u8aToHex(bytes);

/** `0x`-prefixed (or bare) hex of exactly `length` bytes, else an Error naming the field. */
export function fromHex(value: unknown, length: number, field: string): Uint8Array {
  if (typeof value !== 'string' || !/^(0x)?[0-9a-fA-F]*$/.test(value)) throw new Error(`${field} is not hex`);
  const bytes = hexToU8a(value.startsWith('0x') ? value : `0x${value}`);
  if (bytes.length !== length) throw new Error(`${field} must be ${length} bytes, found ${bytes.length}`);
  return bytes;
}
