import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config/index.js';
import { startMiner } from '../src/network/miner/index.js';
import { loadHotkey, WalletError } from '../src/network/wallet/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { materialFromMnemonic } from '../src/network/wallet/keypair.js';
import { serializeKeyfile } from '../src/network/wallet/keyfile.js';
import { decryptKeyfileData, encryptKeyfileData, NACL_SALT, type KdfParams } from '../src/network/wallet/nacl.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');

/**
 * A reference `$NACL` blob published in the tests of a public Rust bittensor CLI, made (per its
 * comment) with PyNaCl exactly as bittensor-wallet's `encrypt_keyfile_data` does —
 * `argon2i.kdf(32, password, NACL_SALT, OPSLIMIT_SENSITIVE, MEMLIMIT_SENSITIVE)`, then
 * `SecretBox(key).encrypt(plaintext, nonce=bytes(24))` — with an all-zero nonce so it is
 * reproducible. The plaintext is a small keyfile-shaped JSON.
 */
const PYNACL_VECTOR = {
  password: 'correct horse battery staple',
  blob:
    '244e41434c000000000000000000000000000000000000000000000000' +
    'fc80b605e3f8a4e8ac1fe620d424cf239c6806fed7365d1bb2142107c6' +
    'fa3ed8f7bbc7af9b1e2c3e67f1cb90e58945e8520b7bb1006532a43e77' +
    '75d7c439db6f5fc337df',
  plaintext: '7b226163636f756e744964223a2230786465616462656566222c227373353841646472657373223a223546616b6541646472227d',
};

/** Cheap argon2i parameters for the tests of everything but the key derivation's cost. */
const CHEAP: KdfParams = { timeCost: 1, memoryCost: 64 };
const MNEMONIC = 'blast curve early try fold fall plastic hobby donkey tomato crater diet';
/** The real derivation holds 512 MiB for a few seconds; on a loaded 2-core machine allow plenty. */
const KDF_TIMEOUT = 180_000;

const SCRIPT = join(import.meta.dirname, 'fixtures', 'script', 'miner-generator.mjs');
const tempWallets = () => mkdtempSync(join(tmpdir(), 'polymath-nacl-'));

beforeAll(async () => {
  await cryptoWaitReady();
});

describe('$NACL keyfile data', () => {
  it("decrypts PyNaCl's reference blob with bittensor's real argon2i parameters", async () => {
    expect(NACL_SALT.toString('latin1')).toBe('\x13q\x83\xdf\xf1Z\t\xbc\x9c\x90\xb5Q\x879\xe9\xb1');
    const plain = await decryptKeyfileData(Buffer.from(PYNACL_VECTOR.blob, 'hex'), PYNACL_VECTOR.password, 'vector');
    expect(Buffer.from(plain).toString('hex')).toBe(PYNACL_VECTOR.plaintext);
    expect(JSON.parse(Buffer.from(plain).toString('utf8'))).toEqual({ accountId: '0xdeadbeef', ss58Address: '5FakeAddr' });
  }, KDF_TIMEOUT);

  it('lays a file out as $NACL, a fresh 24-byte nonce, then the secretbox, and opens it again', async () => {
    const plain = Buffer.from(serializeKeyfile(materialFromMnemonic(MNEMONIC)), 'utf8');
    const a = await encryptKeyfileData(plain, 'pass-word-1', { kdf: CHEAP });
    const b = await encryptKeyfileData(plain, 'pass-word-1', { kdf: CHEAP });
    expect(a.subarray(0, 5).toString('latin1')).toBe('$NACL');
    expect(a.length).toBe(5 + 24 + plain.length + 16);
    expect(a.subarray(5, 29).equals(b.subarray(5, 29))).toBe(false);
    expect(a.includes(Buffer.from('blast'))).toBe(false);
    expect(Buffer.from(await decryptKeyfileData(a, 'pass-word-1', 'f', { kdf: CHEAP })).equals(plain)).toBe(true);
    expect(Buffer.from(await decryptKeyfileData(b, 'pass-word-1', 'f', { kdf: CHEAP })).equals(plain)).toBe(true);
  });

  it('refuses a wrong password, a flipped byte and a truncated file, naming the file and nothing secret', async () => {
    const plain = Buffer.from(serializeKeyfile(materialFromMnemonic(MNEMONIC)), 'utf8');
    const box = await encryptKeyfileData(plain, 'right-password', { kdf: CHEAP });
    const wrong = await decryptKeyfileData(box, 'wrong-password', '/w/hotkeys/h', { kdf: CHEAP }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(WalletError);
    expect((wrong as Error).message).toMatch(/wrong password .*\/w\/hotkeys\/h/);
    for (const secret of ['right-password', 'wrong-password', 'blast']) expect((wrong as Error).message).not.toContain(secret);
    const flipped = Buffer.from(box);
    flipped[flipped.length - 1]! ^= 1;
    await expect(decryptKeyfileData(flipped, 'right-password', 'f', { kdf: CHEAP })).rejects.toThrow(/wrong password|damaged/);
    await expect(decryptKeyfileData(box.subarray(0, 40), 'right-password', 'f', { kdf: CHEAP })).rejects.toThrow(/f is damaged/);
    await expect(decryptKeyfileData(Buffer.from('{"a":1}'), 'right-password', 'f', { kdf: CHEAP })).rejects.toThrow(/not a \$NACL/);
  });
});

describe('encrypted hotkey files', () => {
  it('asks for a password, saying where to give it, when none is set', async () => {
    const path = tempWallets();
    mkdirSync(join(path, 'w', 'hotkeys'), { recursive: true });
    const file = join(path, 'w', 'hotkeys', 'enc');
    writeFileSync(file, await encryptKeyfileData(Buffer.from(serializeKeyfile(materialFromMnemonic(MNEMONIC))), 'some-password', { kdf: CHEAP }));
    const err = await loadHotkey({ name: 'w', hotkey: 'enc', path }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalletError);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/password-encrypted.*network\.wallet\.password.*BT_WALLET_PASSWORD/);
    // An empty password (an unset ${VAR} left as "") is no password.
    await expect(loadHotkey({ name: 'w', hotkey: 'enc', path, password: '' }, { BT_WALLET_PASSWORD: '' })).rejects.toThrow(/password-encrypted/);
  });

  it("refuses bittensor's legacy Ansible Vault and Fernet files with a clear message", async () => {
    const path = tempWallets();
    mkdirSync(join(path, 'w', 'hotkeys'), { recursive: true });
    writeFileSync(join(path, 'w', 'hotkeys', 'vault'), '$ANSIBLE_VAULT;1.1;AES256\n3030\n');
    writeFileSync(join(path, 'w', 'hotkeys', 'fernet'), 'gAAAAABlegacy-token');
    await expect(loadHotkey({ name: 'w', hotkey: 'vault', path, password: 'x' })).rejects.toThrow(/legacy Ansible Vault or Fernet/);
    await expect(loadHotkey({ name: 'w', hotkey: 'fernet', path, password: 'x' })).rejects.toThrow(/legacy Ansible Vault or Fernet/);
  });

  it('refuses a file far too large to be a hotkey without reading it', async () => {
    const path = tempWallets();
    mkdirSync(join(path, 'w', 'hotkeys'), { recursive: true });
    writeFileSync(join(path, 'w', 'hotkeys', 'big'), Buffer.alloc(1024 * 1024, 0x20));
    await expect(loadHotkey({ name: 'w', hotkey: 'big', path })).rejects.toThrow(/too large for a hotkey file/);
  });

  it('keeps a wallet password out of the logs', () => {
    let out = '';
    const sink = new Writable({ write(chunk, _enc, done) { out += String(chunk); done(); } });
    const logger = createLogger('info', sink);
    logger.info({ network: { wallet: { name: 'w', password: 'p4ssw0rd-secret' } } }, 'wallet');
    logger.info({ wallet: { password: 'p4ssw0rd-secret' }, password: 'p4ssw0rd-secret' }, 'wallet');
    expect(out).toContain('"name":"w"');
    expect(out).toContain('[redacted]');
    expect(out).not.toContain('p4ssw0rd-secret');
  });
});

describe('polymath wallet create --encrypt', () => {
  const cli = (args: string[], env: Record<string, string>) =>
    run(process.execPath, ['--import', 'tsx', CLI, 'wallet', ...args], { timeout: KDF_TIMEOUT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
  const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected the command to fail'); }, (e: { code: number; stdout: string; stderr: string }) => e);

  it('writes a $NACL hotkey from a password in the environment, reads it back with it, refuses a wrong or missing one, and a miner signs with it', async () => {
    const path = tempWallets();
    const password = 'tr0ub4dor&3-polymath';
    const loc = ['--name', 'enc', '--hotkey', 'default', '--path', path];

    const created = await cli(['create', ...loc, '--encrypt'], { BT_WALLET_PASSWORD: password });
    const ss58 = created.stdout.trim();
    expect(ss58).toMatch(/^5[1-9A-HJ-NP-Za-km-z]{47}$/);
    expect(created.stderr).toContain('encrypted');
    expect(created.stdout + created.stderr).not.toContain(password);
    const file = join(path, 'enc', 'hotkeys', 'default');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('$NACL');
    expect(bytes.includes(Buffer.from('secretPhrase'))).toBe(false);

    // show falls back to $BT_WALLET_PASSWORD, as the miner and validator do
    const shown = await cli(['show', ...loc], { BT_WALLET_PASSWORD: password });
    expect(shown.stdout.trim()).toBe(ss58);

    const wrong = await failure(cli(['show', ...loc, '--password-env', 'MY_PW'], { MY_PW: 'not-the-password', BT_WALLET_PASSWORD: password }));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/wrong password for the encrypted hotkey .*enc\/hotkeys\/default/);
    expect(wrong.stderr).not.toContain('not-the-password');
    expect(wrong.stderr).not.toContain(password);

    const missing = await failure(cli(['show', ...loc], {}));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/password-encrypted \(\$NACL\).*BT_WALLET_PASSWORD/);

    // A miner signs with it, the password given in polymath.yaml as "${VAR}"
    writeFileSync(join(path, 'metagraph.yaml'), stringify([{ uid: 0, hotkey: ss58, coldkey: ss58, stake: 0 }]));
    const configFile = join(path, 'polymath.yaml');
    writeFileSync(
      configFile,
      stringify({
        server: { host: '127.0.0.1', port: 0 },
        store: { url: 'sqlite://:memory:' },
        providers: { script: { type: 'script', command: [process.execPath, SCRIPT], persistent: true } },
        routes: { chain: { targets: [{ provider: 'script' }] } },
        routing: { health_interval_ms: 0 },
        network: { netuid: 1, wallet: { name: 'enc', hotkey: 'default', path, password: '${NACL_TEST_PASSWORD}' }, metagraph: { source: 'static', file: join(path, 'metagraph.yaml') } },
        miner: { host: '127.0.0.1', port: 0, route: 'chain', health_interval_ms: 0 },
      }),
    );
    const { config } = loadConfig({ file: configFile, env: { NACL_TEST_PASSWORD: password } });
    const miner = await startMiner(config, createLogger('silent'));
    try {
      expect(miner.hotkey).toBe(ss58);
      const health = (await (await fetch(`${miner.url}/health`)).json()) as { hotkey: string };
      expect(health.hotkey).toBe(ss58);
    } finally {
      await miner.close();
    }
  }, 5 * KDF_TIMEOUT);

  it('never takes the password from the command line, and refuses a short one', async () => {
    const path = tempWallets();
    const loc = ['--name', 'p', '--hotkey', 'h', '--path', path];
    const unset = await failure(cli(['create', ...loc, '--encrypt'], {}));
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/environment variable BT_WALLET_PASSWORD, which is not set/);
    const literal = await failure(cli(['create', ...loc, '--encrypt', '--password-env', 'hunter2!'], {}));
    expect(literal.stderr).toMatch(/--password-env takes the name of an environment variable/);
    expect(literal.stderr).not.toContain('hunter2!');
    const short = await failure(cli(['create', ...loc, '--encrypt', '--password-env', 'PW'], { PW: 'abc' }));
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/at least 6 characters/);
  }, 120_000);
});
