/**
 * PROVISIONAL (issue 11 branch): the minimum of the wallet contract the subnet provider and the
 * validator need until issue 10's `src/network/wallet.ts` is merged; theirs replaces this file.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { hexToU8a } from '@polkadot/util';
import { cryptoWaitReady, encodeAddress, mnemonicToMiniSecret, sr25519PairFromSeed, sr25519Sign } from '@polkadot/util-crypto';

export interface Hotkey {
  ss58: string;
  publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

function fromSeed(seed: Uint8Array): Hotkey {
  const pair = sr25519PairFromSeed(seed);
  return { ss58: encodeAddress(pair.publicKey, 42), publicKey: pair.publicKey, sign: (m) => sr25519Sign(m, pair) };
}

export function hotkeyFromMnemonic(mnemonic: string): Hotkey {
  return fromSeed(mnemonicToMiniSecret(mnemonic));
}

export async function loadHotkey(opts: { name: string; hotkey: string; path?: string; password?: string }): Promise<Hotkey> {
  await cryptoWaitReady();
  const dir = opts.path ?? process.env.BT_WALLET_PATH ?? join(homedir(), '.bittensor', 'wallets');
  const text = await readFile(join(dir, opts.name, 'hotkeys', opts.hotkey), 'utf8');
  if (text.startsWith('$NACL')) throw new Error(`hotkey ${opts.name}/${opts.hotkey} is encrypted; give its password`);
  const data = JSON.parse(text) as { secretPhrase?: string; secretSeed?: string };
  if (data.secretPhrase) return hotkeyFromMnemonic(data.secretPhrase);
  if (data.secretSeed) return fromSeed(hexToU8a(data.secretSeed));
  throw new Error(`hotkey ${opts.name}/${opts.hotkey} has no secretPhrase or secretSeed`);
}
