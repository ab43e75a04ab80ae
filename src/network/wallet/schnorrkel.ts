/**
 * Conversion between the two byte forms of an sr25519 secret key.
 *
 * schnorrkel's `SecretKey::to_bytes` (what bittensor writes as `privateKey`) is the 32-byte key
 * scalar then the 32-byte nonce. `@polkadot/util-crypto` (`@scure/sr25519`) holds the scalar
 * multiplied by the cofactor 8 instead (schnorrkel's `to_ed25519_bytes`). Both scalars are
 * little-endian 256-bit integers, so the conversion is a shift by three bits.
 */

const MASK = (1n << 256n) - 1n;

function readLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function writeLE(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** bittensor's 64-byte `privateKey` → `@polkadot`'s 64-byte secretKey */
export function fromSchnorrkelBytes(privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== 64) throw new Error(`privateKey must be 64 bytes, found ${privateKey.length}`);
  const out = new Uint8Array(64);
  out.set(writeLE((readLE(privateKey.subarray(0, 32)) << 3n) & MASK, 32), 0);
  out.set(privateKey.subarray(32, 64), 32);
  return out;
}

/** `@polkadot`'s 64-byte secretKey → bittensor's 64-byte `privateKey` */
export function toSchnorrkelBytes(secretKey: Uint8Array): Uint8Array {
  if (secretKey.length !== 64) throw new Error(`secretKey must be 64 bytes, found ${secretKey.length}`);
  const out = new Uint8Array(64);
  out.set(writeLE(readLE(secretKey.subarray(0, 32)) >> 3n, 32), 0);
  out.set(secretKey.subarray(32, 64), 32);
  return out;
}
