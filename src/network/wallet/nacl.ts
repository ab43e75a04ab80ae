/**
 * bittensor's password-encrypted keyfiles (`encrypt_keyfile_data` / `decrypt_keyfile_data` of
 * bittensor-wallet): `"$NACL"`, then a 24-byte nonce, then the xsalsa20-poly1305 secretbox of the
 * keyfile's JSON, under the key `argon2i(password, NACL_SALT)` with libsodium's SENSITIVE limits
 * (argon2i v1.3, 8 passes, 512 MiB, one lane, 32 bytes). The salt is a constant of bittensor's, so
 * the same password always gives the same key; the nonce is random per file.
 */
import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import nacl from 'tweetnacl';
import { WalletError } from './errors.js';

export const NACL_MAGIC = '$NACL';
/** bittensor's `NACL_SALT`, `b"\x13q\x83\xdf\xf1Z\t\xbc\x9c\x90\xb5Q\x879\xe9\xb1"` */
export const NACL_SALT = Buffer.from('137183dff15a09bc9c90b5518739e9b1', 'hex');

export interface KdfParams {
  /** argon2 passes (libsodium's opslimit) */
  timeCost: number;
  /** KiB (libsodium's memlimit / 1024) */
  memoryCost: number;
}

/** `crypto_pwhash_argon2i_OPSLIMIT_SENSITIVE` = 8, `crypto_pwhash_argon2i_MEMLIMIT_SENSITIVE` = 536870912 bytes */
export const BITTENSOR_KDF: KdfParams = { timeCost: 8, memoryCost: 536_870_912 / 1024 };

const MAGIC = Buffer.from(NACL_MAGIC, 'latin1');
const NONCE = nacl.secretbox.nonceLength;
const MIN_LENGTH = MAGIC.length + NONCE + nacl.secretbox.overheadLength;

export function isNacl(data: Uint8Array): boolean {
  return data.length >= MAGIC.length && MAGIC.equals(data.subarray(0, MAGIC.length));
}

// One derivation at a time: each holds `memoryCost` KiB (512 MiB for bittensor's files) while it runs.
// The callers are a node's start-up and the wallet command, a handful at most, so the chain stays short.
let kdfTail: Promise<unknown> = Promise.resolve();

/** The secretbox key for a password, as PyNaCl's `pwhash.argon2i.kdf` derives it (off the event loop). */
export function deriveKey(password: string, kdf: KdfParams = BITTENSOR_KDF): Promise<Uint8Array> {
  const run = kdfTail.then(
    () => argon2.hash(Buffer.from(password, 'utf8'), { type: argon2.argon2i, version: 0x13, timeCost: kdf.timeCost, memoryCost: kdf.memoryCost, parallelism: 1, salt: NACL_SALT, hashLength: nacl.secretbox.keyLength, raw: true }),
  );
  kdfTail = run.catch(() => undefined);
  return run.then((key) => new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
}

/** `$NACL` + nonce + secretbox(data): what bittensor writes for an encrypted keyfile. */
export async function encryptKeyfileData(data: Uint8Array, password: string, opts: { kdf?: KdfParams; nonce?: Uint8Array } = {}): Promise<Buffer> {
  const nonce = opts.nonce ?? randomBytes(NONCE);
  if (nonce.length !== NONCE) throw new Error(`a secretbox nonce is ${NONCE} bytes`);
  const key = await deriveKey(password, opts.kdf);
  try {
    return Buffer.concat([MAGIC, nonce, nacl.secretbox(data, nonce, key)]);
  } finally {
    key.fill(0);
  }
}

/**
 * The keyfile's plain bytes. A wrong password (or a damaged file: the two cannot be told apart)
 * is a WalletError naming the file; messages never carry the password or the contents.
 */
export async function decryptKeyfileData(data: Uint8Array, password: string, file: string, opts: { kdf?: KdfParams } = {}): Promise<Uint8Array> {
  if (!isNacl(data)) throw new WalletError(`${file} is not a $NACL-encrypted keyfile`);
  if (data.length < MIN_LENGTH) throw new WalletError(`${file} is damaged: a $NACL keyfile holds at least ${MIN_LENGTH} bytes, found ${data.length}`);
  const nonce = data.subarray(MAGIC.length, MAGIC.length + NONCE);
  const box = data.subarray(MAGIC.length + NONCE);
  const key = await deriveKey(password, opts.kdf);
  try {
    const plain = nacl.secretbox.open(box, nonce, key);
    if (!plain) throw new WalletError(`wrong password for the encrypted hotkey ${file} (or the file is damaged)`);
    return plain;
  } finally {
    key.fill(0);
  }
}
