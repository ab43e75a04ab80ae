/**
 * sr25519 signing and verification: schnorrkel itself (Rust, compiled to WebAssembly in
 * @polkadot/wasm-crypto) once `cryptoWaitReady()` has loaded it — about 0.5 ms a verification
 * where the pure-JS @polkadot/util-crypto path takes about 9 — and that JS path before.
 * Both produce and accept the same signatures ("substrate" signing context).
 */
import { sr25519Sign as jsSign, sr25519Verify as jsVerify } from '@polkadot/util-crypto';
// @polkadot/util-crypto's own dependency, loaded by its cryptoWaitReady().
import { isReady, sr25519Sign as wasmSign, sr25519Verify as wasmVerify } from '@polkadot/wasm-crypto';

export interface SrPair {
  publicKey: Uint8Array;
  /** @polkadot's 64-byte form: the key scalar multiplied by the cofactor, then the nonce */
  secretKey: Uint8Array;
}

export function sign(message: Uint8Array, pair: SrPair): Uint8Array {
  return isReady() ? wasmSign(pair.publicKey, pair.secretKey, message) : jsSign(message, pair);
}

/** False for a bad signature, and for bytes that are not a schnorrkel signature at all. */
export function verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return isReady() ? wasmVerify(signature, message, publicKey) : jsVerify(message, signature, publicKey);
  } catch {
    return false;
  }
}
