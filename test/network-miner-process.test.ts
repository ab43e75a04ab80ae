/**
 * Two real processes: `polymath miner` serving a generator chain (stories260K under llama.cpp,
 * a script, a failing API), and this test as a validator whose hotkey was made by
 * `polymath wallet create`, calling through the official openai client with Epistula headers.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayCache, signHeaders, verifyHeaders, verifyStreamSignature } from '../src/network/epistula.js';
import { loadHotkey, type Hotkey } from '../src/network/wallet/index.js';
import { anthropicError, startFakeAnthropic, type FakeAnthropic } from './helpers/fake-anthropic.js';
import { ANSWER_WINDOW, signingClient, splitSignedStream } from './helpers/epistula-client.js';
import { chainConfig } from './helpers/miner-chain.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');
const polymath = (...args: string[]) => run(process.execPath, ['--import', 'tsx', CLI, ...args], { timeout: 60_000 });

let child: ChildProcess;
let out = '';
let url: string;
let minerSs58: string;
let validator: Hotkey;
let api: FakeAnthropic;
let exited: Promise<number | null>;

beforeAll(async () => {
  await cryptoWaitReady();
  const dir = mkdtempSync(join(tmpdir(), 'polymath-miner-proc-'));
  const wallets = join(dir, 'wallets');
  const [m, v] = await Promise.all([polymath('wallet', 'create', '--name', 'miner', '--hotkey', 'default', '--path', wallets), polymath('wallet', 'create', '--name', 'validator', '--hotkey', 'default', '--path', wallets)]);
  minerSs58 = m.stdout.trim();
  validator = await loadHotkey({ name: 'validator', hotkey: 'default', path: wallets });
  expect(validator.ss58).toBe(v.stdout.trim());
  writeFileSync(join(dir, 'metagraph.yaml'), stringify([{ uid: 0, hotkey: validator.ss58, coldkey: validator.ss58, stake: 5000, validator_permit: true }, { uid: 1, hotkey: minerSs58, coldkey: minerSs58, stake: 0 }]));
  api = await startFakeAnthropic((_req, res) => anthropicError(res, 500, 'api_error', 'Internal server error'));
  const config = chainConfig(dir, api.url, wallets, { logging: { level: 'info' } });
  const file = join(dir, 'polymath.yaml');
  writeFileSync(file, stringify(config));
  child = spawn(process.execPath, ['--import', 'tsx', CLI, 'miner', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  exited = new Promise((resolve) => child.once('exit', resolve));
  for (const end = Date.now() + 90_000; !/polymath miner listening on/.test(out); ) {
    if (Date.now() > end || child.exitCode !== null) throw new Error(`the miner did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  url = JSON.parse(out.split('\n').find((l) => l.includes('polymath miner listening on'))!).url;
}, 240_000); // two wallet creations (60 s each at most) and the miner's start (90 s at most), on a busy machine

afterAll(async () => {
  child?.kill('SIGKILL');
  await api?.close();
});

describe('polymath miner and a wallet-signing client, two processes', () => {
  it('exchanges a signed request and a signed answer through the openai client', async () => {
    const { client, answers } = signingClient(url, validator, minerSs58);
    const res = await client.chat.completions.create({ model: 'sn1', messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 8, seed: 1 });
    expect(res.object).toBe('chat.completion');
    const answer = await answers[0]!;
    expect(answer.headers['x-polymath-provider']).toBe('local');
    expect(verifyHeaders(answer.headers, answer.body, { self: validator.ss58, replay: new ReplayCache(), ...ANSWER_WINDOW })).toMatchObject({ ok: true, signedBy: minerSs58 });
  });

  it('signs a stream for the caller', async () => {
    const { client, answers } = signingClient(url, validator, minerSs58);
    const stream = await client.chat.completions.create({ model: 'sn1', messages: [{ role: 'user', content: 'The cat' }], max_tokens: 8, stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    const { before, epistula } = splitSignedStream((await answers[0]!).body);
    expect(verifyStreamSignature(before, epistula, { self: validator.ss58, replay: new ReplayCache(), ...ANSWER_WINDOW })).toMatchObject({ ok: true, signedBy: minerSs58 });
  });

  it('refuses an unsigned and a replayed request, and falls back when the local model cannot answer', async () => {
    const body = JSON.stringify({ model: 'sn1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
    const post = (headers: Record<string, string>) => fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect((await post({})).status).toBe(401);
    // The copy goes out at once: sent after a slow first answer it could be "stale" (8 s) before "replayed".
    const signed = signHeaders(body, validator, minerSs58);
    const pair = await Promise.all([post(signed), post(signed)]);
    expect(pair.map((r) => r.status).sort()).toEqual([200, 401]);
    const again = pair.find((r) => r.status === 401)!;
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('replayed');

    const { client, answers } = signingClient(url, validator, minerSs58);
    await client.chat.completions.create({ model: 'sn1', messages: [{ role: 'user', content: 'The big dog. '.repeat(1500) }], max_tokens: 4 });
    expect((await answers[0]!).headers['x-polymath-provider']).toBe('script');
    const health = (await (await fetch(`${url}/health`)).json()) as { chain: { fallbacks: number; active_mode: string } };
    expect(health.chain).toMatchObject({ fallbacks: 1, active_mode: 'custom' });
  });

  it('shuts down on SIGTERM with exit code 0', async () => {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).not.toMatch(/secretPhrase|secretSeed|privateKey/);
  });
});
