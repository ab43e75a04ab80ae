import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, mnemonicToMiniSecret, sr25519PairFromSeed, sr25519Verify } from '@polkadot/util-crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHotkeyFile, hotkeyFromMnemonic, loadHotkey, WalletError } from '../src/network/wallet/index.js';
import { fromSchnorrkelBytes, toSchnorrkelBytes } from '../src/network/wallet/schnorrkel.js';
import { materialFromMnemonic } from '../src/network/wallet/keypair.js';
import { serializeKeyfile } from '../src/network/wallet/keyfile.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');

/**
 * Published vectors, from a public py-substrate-interface script (the same `Keypair` bittensor
 * writes keyfiles with): its `Keypair.create_from_mnemonic(...).private_key` is schnorrkel's
 * `SecretKey::to_bytes`, i.e. bittensor's `privateKey`; the second mnemonic's ss58 address is
 * printed in the same script.
 */
const VECTOR = {
  mnemonic: 'blast curve early try fold fall plastic hobby donkey tomato crater diet',
  privateKey: '0x57601f83cf6a8bf585aad5cbcae7442dc73e5fa6b130a425c4bf4b8a0dc4080e8c592adb084f1da8fcc443677e6c8a1b5e2ada0e3859005cbe5b689c8f5151b7',
};
const ADDRESS_VECTOR = { mnemonic: 'gas marble jealous tree any dilemma total jeans divide huge minimum fiber', ss58: '5EUxvwDN8shTuadTBH2pmVaG1WAHVmyM2GZakcmER32kPHbL' };

const tempWallets = () => mkdtempSync(join(tmpdir(), 'polymath-wallets-'));

beforeAll(async () => {
  await cryptoWaitReady();
});

describe('schnorrkel privateKey form', () => {
  it('derives the published privateKey from its mnemonic', () => {
    const m = materialFromMnemonic(VECTOR.mnemonic);
    expect(u8aToHex(m.privateKey)).toBe(VECTOR.privateKey);
  });

  it('derives the published ss58 address from its mnemonic', () => {
    expect(hotkeyFromMnemonic(ADDRESS_VECTOR.mnemonic).ss58).toBe(ADDRESS_VECTOR.ss58);
  });

  it("converts @polkadot's cofactor-multiplied secret to schnorrkel bytes and back", () => {
    const pair = sr25519PairFromSeed(mnemonicToMiniSecret(VECTOR.mnemonic));
    const bt = toSchnorrkelBytes(pair.secretKey);
    expect(u8aToHex(bt)).not.toBe(u8aToHex(pair.secretKey));
    expect(u8aToHex(fromSchnorrkelBytes(bt))).toBe(u8aToHex(pair.secretKey));
  });
});

describe('hotkey files', () => {
  it('writes a file in bittensor layout and format, and reads it back to the same key', async () => {
    const path = tempWallets();
    const { ss58, file } = await createHotkeyFile({ name: 'w1', hotkey: 'default', path, mnemonic: VECTOR.mnemonic });
    expect(file).toBe(join(path, 'w1', 'hotkeys', 'default'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    // Python json.dumps separators, bittensor's key order
    expect(text.startsWith('{"accountId": "0x')).toBe(true);
    const json = JSON.parse(text);
    expect(Object.keys(json)).toEqual(['accountId', 'publicKey', 'privateKey', 'secretPhrase', 'secretSeed', 'ss58Address']);
    expect(json.privateKey).toBe(VECTOR.privateKey);
    expect(json.secretPhrase).toBe(VECTOR.mnemonic);
    expect(json.secretSeed).toBe(u8aToHex(mnemonicToMiniSecret(VECTOR.mnemonic)));
    expect(json.ss58Address).toBe(ss58);
    const hotkey = await loadHotkey({ name: 'w1', hotkey: 'default', path });
    expect(hotkey.ss58).toBe(ss58);
    const msg = new TextEncoder().encode('hello');
    expect(sr25519Verify(msg, hotkey.sign(msg), hotkey.publicKey)).toBe(true);
  });

  it('loads from secretSeed, secretPhrase or privateKey alone', async () => {
    const path = tempWallets();
    const m = materialFromMnemonic(VECTOR.mnemonic);
    const full = JSON.parse(serializeKeyfile(m));
    const variants = {
      seed: { secretSeed: full.secretSeed },
      phrase: { secretPhrase: full.secretPhrase },
      priv: { privateKey: full.privateKey, publicKey: full.publicKey, ss58Address: full.ss58Address },
    };
    for (const [hotkey, body] of Object.entries(variants)) {
      mkdirSync(join(path, 'w', 'hotkeys'), { recursive: true });
      writeFileSync(join(path, 'w', 'hotkeys', hotkey), JSON.stringify(body));
      const loaded = await loadHotkey({ name: 'w', hotkey, path });
      expect(loaded.ss58).toBe(m.hotkey.ss58);
      const msg = new TextEncoder().encode(hotkey);
      expect(sr25519Verify(msg, loaded.sign(msg), m.hotkey.publicKey)).toBe(true);
    }
  });

  it('refuses a privateKey that does not belong to the publicKey beside it', async () => {
    const path = tempWallets();
    const a = JSON.parse(serializeKeyfile(materialFromMnemonic(VECTOR.mnemonic)));
    const b = JSON.parse(serializeKeyfile(materialFromMnemonic(ADDRESS_VECTOR.mnemonic)));
    mkdirSync(join(path, 'w', 'hotkeys'), { recursive: true });
    writeFileSync(join(path, 'w', 'hotkeys', 'x'), JSON.stringify({ privateKey: a.privateKey, publicKey: b.publicKey }));
    await expect(loadHotkey({ name: 'w', hotkey: 'x', path })).rejects.toThrow(/does not match publicKey/);
  });

  it('names an encrypted file clearly and never echoes a secret in an error', async () => {
    const path = tempWallets();
    mkdirSync(join(path, 'w', 'hotkeys'), { recursive: true });
    writeFileSync(join(path, 'w', 'hotkeys', 'enc'), '$NACLabcdef0123456789');
    await expect(loadHotkey({ name: 'w', hotkey: 'enc', path })).rejects.toThrow(/password-encrypted/);
    writeFileSync(join(path, 'w', 'hotkeys', 'bad'), `{"secretPhrase": "${VECTOR.mnemonic}"`);
    const err = await loadHotkey({ name: 'w', hotkey: 'bad', path }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalletError);
    expect(String((err as Error).message)).not.toContain('blast');
    await expect(loadHotkey({ name: 'w', hotkey: 'missing', path })).rejects.toThrow(/no hotkey file/);
    await expect(loadHotkey({ name: '../x', hotkey: 'missing', path })).rejects.toThrow(/wallet name/);
  });

  it('never overwrites an existing hotkey', async () => {
    const path = tempWallets();
    const first = await createHotkeyFile({ name: 'w', hotkey: 'h', path });
    await expect(createHotkeyFile({ name: 'w', hotkey: 'h', path })).rejects.toThrow(/already exists/);
    expect((await loadHotkey({ name: 'w', hotkey: 'h', path })).ss58).toBe(first.ss58);
  });

  it('defaults the folder to $BT_WALLET_PATH', async () => {
    const path = tempWallets();
    const prev = process.env.BT_WALLET_PATH;
    process.env.BT_WALLET_PATH = path;
    try {
      const { file } = await createHotkeyFile({ name: 'envw', hotkey: 'h' });
      expect(file.startsWith(path)).toBe(true);
    } finally {
      if (prev === undefined) delete process.env.BT_WALLET_PATH;
      else process.env.BT_WALLET_PATH = prev;
    }
  });
});

describe('polymath wallet', () => {
  it('creates a hotkey, prints only its ss58 address, and shows it again', async () => {
    const path = tempWallets();
    const created = await run(process.execPath, ['--import', 'tsx', CLI, 'wallet', 'create', '--name', 'cli', '--hotkey', 'default', '--path', path], { timeout: 60_000 });
    const ss58 = created.stdout.trim();
    expect(ss58).toMatch(/^5[1-9A-HJ-NP-Za-km-z]{47}$/);
    const json = JSON.parse(readFileSync(join(path, 'cli', 'hotkeys', 'default'), 'utf8'));
    expect(json.ss58Address).toBe(ss58);
    for (const secret of [json.secretPhrase, json.secretSeed, json.privateKey, json.secretPhrase.split(' ')[0]]) {
      expect(created.stdout + created.stderr).not.toContain(secret);
    }
    const shown = await run(process.execPath, ['--import', 'tsx', CLI, 'wallet', 'show', '--name', 'cli', '--hotkey', 'default', '--path', path], { timeout: 60_000 });
    expect(shown.stdout.trim()).toBe(ss58);
  }, 90_000);

  it('exits 1 with a clear message for a missing hotkey', async () => {
    const path = tempWallets();
    const err = await run(process.execPath, ['--import', 'tsx', CLI, 'wallet', 'show', '--name', 'none', '--hotkey', 'default', '--path', path], { timeout: 60_000 }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr).toMatch(/no hotkey file/);
  }, 60_000);
});
