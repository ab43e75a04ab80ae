/**
 * Hotkeys on disk in bittensor's layout: `<path>/<name>/hotkeys/<hotkey>`, where path is
 * `$BT_WALLET_PATH` or `~/.bittensor/wallets`.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { materialFromMnemonic } from './keypair.js';
import { parseKeyfile, serializeKeyfile, WalletError } from './keyfile.js';

export { hotkeyFromMnemonic, SS58_PREFIX, type Hotkey } from './keypair.js';
export { WalletError, isEncrypted } from './keyfile.js';

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

export async function loadHotkey(opts: HotkeyLocation & { password?: string }) {
  await cryptoWaitReady();
  const file = hotkeyFile(opts);
  let data: string;
  try {
    data = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new WalletError(code === 'ENOENT' ? `no hotkey file at ${file} (create one with: polymath wallet create --name ${opts.name} --hotkey ${opts.hotkey})` : `cannot read ${file}: ${code ?? (err as Error).message}`);
  }
  return parseKeyfile(data, file).hotkey;
}

/**
 * Writes a new hotkey file (mode 0600, folders 0700) from a given mnemonic or a fresh 12-word one.
 * Refuses to overwrite an existing file.
 */
export async function createHotkeyFile(opts: HotkeyLocation & { mnemonic?: string }): Promise<{ ss58: string; file: string }> {
  await cryptoWaitReady();
  const file = hotkeyFile(opts);
  let material;
  try {
    material = materialFromMnemonic(opts.mnemonic ?? mnemonicGenerate(12));
  } catch (err) {
    throw new WalletError((err as Error).message);
  }
  const dir = join(file, '..');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, serializeKeyfile(material), { mode: 0o600, flag: 'wx' });
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
