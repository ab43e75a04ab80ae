/** A local subnet for tests: a gateway wallet on disk and a static metagraph file listing miners. */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { hotkeyFromMnemonic, type Hotkey } from '../../src/network/wallet/index.js';

export interface TestWallet {
  path: string;
  name: string;
  hotkey: string;
  key: Hotkey;
}

/** Writes a hotkey file in bittensor's layout (`<path>/<name>/hotkeys/<hotkey>`). */
export async function writeWallet(dir: string, name = 'gateway', hotkey = 'default'): Promise<TestWallet> {
  await cryptoWaitReady();
  const mnemonic = mnemonicGenerate();
  const key = hotkeyFromMnemonic(mnemonic);
  mkdirSync(join(dir, name, 'hotkeys'), { recursive: true });
  writeFileSync(join(dir, name, 'hotkeys', hotkey), JSON.stringify({ secretPhrase: mnemonic, ss58Address: key.ss58, accountId: `0x${Buffer.from(key.publicKey).toString('hex')}`, publicKey: `0x${Buffer.from(key.publicKey).toString('hex')}` }));
  return { path: dir, name, hotkey, key };
}

export interface MetagraphEntry {
  uid: number;
  hotkey: string;
  port: number;
  stake?: number;
  incentive?: number;
  active?: boolean;
}

export function writeMetagraph(file: string, entries: MetagraphEntry[]): void {
  writeFileSync(
    file,
    JSON.stringify(entries.map((e) => ({ uid: e.uid, hotkey: e.hotkey, coldkey: e.hotkey, stake: e.stake ?? 100, incentive: e.incentive ?? 0.1, active: e.active ?? true, validator_permit: false, last_update: 1000, axon: `127.0.0.1:${e.port}` }))),
  );
}

export function tempDir(prefix = 'polymath-subnet-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A `subnet` provider config over a static metagraph file: one miner per call (k 1, no exploration). */
export function subnetProvider(metagraph: string, wallet: TestWallet, integrity: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'subnet',
    metagraph: { source: 'static', file: metagraph },
    wallet: { name: wallet.name, hotkey: wallet.hotkey, path: wallet.path },
    selection: { k: 1, explore: 0 },
    integrity,
    timeout_ms: 5_000,
  };
}
