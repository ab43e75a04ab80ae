/**
 * Hotkeys on disk in bittensor's layout: `<path>/<name>/hotkeys/<hotkey>`, where path is
 * `$BT_WALLET_PATH` or `~/.bittensor/wallets`. A file may be password-encrypted in bittensor's
 * `$NACL` form; its password comes from the caller (config `network.wallet.password`) or
 * `$BT_WALLET_PASSWORD`.
 */
import { randomBytes } from 'node:crypto';
import { access, link, mkdir, open, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { materialFromMnemonic } from './keypair.js';
import { parseKeyfile, serializeKeyfile, WalletError } from './keyfile.js';
import { decryptKeyfileData, encryptKeyfileData, isNacl } from './nacl.js';

export { hotkeyFromMnemonic, SS58_PREFIX, type Hotkey } from './keypair.js';
export { WalletError, isEncrypted } from './keyfile.js';

/** The environment variable read for an encrypted hotkey's password when none is given. */
export const PASSWORD_ENV = 'BT_WALLET_PASSWORD';
/** A hotkey file is a few hundred bytes; anything far larger is not one. */
const MAX_KEYFILE_BYTES = 64 * 1024;
/** bittensor's own policy asks for at least 6 characters. */
const MIN_PASSWORD_LENGTH = 6;

export interface HotkeyLocation {
  name: string;
  hotkey: string;
  /** the wallets folder; default `$BT_WALLET_PATH` or `~/.bittensor/wallets` */
  path?: string;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function walletsPath(path?: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = path ?? env.BT_WALLET_PATH ?? '~/.bittensor/wallets';
  return resolve(dir.startsWith('~/') || dir === '~' ? join(homedir(), dir.slice(1)) : dir);
}

export function hotkeyFile(loc: HotkeyLocation): string {
  for (const [field, value] of [['name', loc.name], ['hotkey', loc.hotkey]] as const) {
    if (!SEGMENT.test(value)) throw new WalletError(`wallet ${field} "${value}" must use letters, digits, ".", "_" and "-"`);
  }
  return join(walletsPath(loc.path), loc.name, 'hotkeys', loc.hotkey);
}

/**
 * Reads a hotkey. An encrypted (`$NACL`) file is decrypted with `password`, else
 * `$BT_WALLET_PASSWORD`; without either it is a WalletError saying where to give one. Decryption
 * runs bittensor's argon2i key derivation (512 MiB, a few seconds), so load once at start.
 */
export async function loadHotkey(opts: HotkeyLocation & { password?: string }, env: NodeJS.ProcessEnv = process.env) {
  await cryptoWaitReady();
  const file = hotkeyFile(opts);
  const data = await readKeyfile(file, opts);
  let text: string;
  if (isNacl(data)) {
    const password = opts.password || env[PASSWORD_ENV];
    if (!password) {
      throw new WalletError(`${file} is password-encrypted ($NACL): give its password in network.wallet.password (e.g. "\${${PASSWORD_ENV}}") or the ${PASSWORD_ENV} environment variable`);
    }
    const plain = await decryptKeyfileData(data, password, file);
    text = Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength).toString('utf8');
    plain.fill(0);
  } else text = data.toString('utf8');
  return parseKeyfile(text, file).hotkey;
}

async function readKeyfile(file: string, loc: HotkeyLocation): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    if (size > MAX_KEYFILE_BYTES) throw new WalletError(`${file} is ${size} bytes, too large for a hotkey file (at most ${MAX_KEYFILE_BYTES})`);
    return await handle.readFile();
  } catch (err) {
    if (err instanceof WalletError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new WalletError(code === 'ENOENT' ? `no hotkey file at ${file} (create one with: polymath wallet create --name ${loc.name} --hotkey ${loc.hotkey})` : `cannot read ${file}: ${code ?? (err as Error).message}`);
  } finally {
    await handle?.close();
  }
}

/**
 * Writes a new hotkey file (mode 0600, folders 0700) from a given mnemonic or a fresh 12-word one,
 * `$NACL`-encrypted as bittensor does when a password is given. Refuses to overwrite an existing file.
 */
export async function createHotkeyFile(opts: HotkeyLocation & { mnemonic?: string; password?: string }): Promise<{ ss58: string; file: string }> {
  await cryptoWaitReady();
  const file = hotkeyFile(opts);
  let material;
  try {
    material = materialFromMnemonic(opts.mnemonic ?? mnemonicGenerate(12));
  } catch (err) {
    throw new WalletError((err as Error).message);
  }
  if (opts.password !== undefined && opts.password.length < MIN_PASSWORD_LENGTH) {
    throw new WalletError(`a hotkey password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  // Checked again (atomically) by link() below; this only spares a doomed key derivation.
  if (await access(file).then(() => true, () => false)) throw new WalletError(`${file} already exists; refusing to overwrite a hotkey`);
  const text = serializeKeyfile(material);
  const data = opts.password === undefined ? text : await encryptKeyfileData(Buffer.from(text, 'utf8'), opts.password);
  const dir = join(file, '..');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, data, { mode: 0o600, flag: 'wx' });
  try {
    // link() fails if the name exists, so an existing key is never replaced, even in a race.
    await link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new WalletError(`${file} already exists; refusing to overwrite a hotkey`);
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
  return { ss58: material.hotkey.ss58, file };
}
