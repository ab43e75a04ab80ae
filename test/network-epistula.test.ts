import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, mnemonicToMiniSecret, sr25519PairFromSeed, sr25519Sign, sr25519Verify } from '@polkadot/util-crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReplayCache, sha256Hex, signHeaders, signStream, verifyHeaders, verifyStreamSignature } from '../src/network/epistula.js';
import { hotkeyFromMnemonic, type Hotkey } from '../src/network/wallet/index.js';

let alice: Hotkey;
let bob: Hotkey;
let eve: Hotkey;
const enc = new TextEncoder();

beforeAll(async () => {
  await cryptoWaitReady();
  alice = hotkeyFromMnemonic('blast curve early try fold fall plastic hobby donkey tomato crater diet');
  bob = hotkeyFromMnemonic('gas marble jealous tree any dilemma total jeans divide huge minimum fiber');
  eve = hotkeyFromMnemonic('legal winner thank year wave sausage worth useful legal winner thank yellow');
});

const body = enc.encode('{"model":"default","messages":[{"role":"user","content":"hi"}]}');
const verify = (headers: Record<string, string>, raw: Uint8Array, extra: Partial<Parameters<typeof verifyHeaders>[2]> = {}) =>
  verifyHeaders(headers, raw, { self: bob.ss58, replay: new ReplayCache(), ...extra });

describe('Epistula v2', () => {
  it('signs a body that the receiver verifies, naming the sender', () => {
    const headers = signHeaders(body, alice, bob.ss58);
    expect(Object.keys(headers).sort()).toEqual(['Epistula-Request-Signature', 'Epistula-Signed-By', 'Epistula-Signed-For', 'Epistula-Timestamp', 'Epistula-Uuid', 'Epistula-Version']);
    expect(headers['Epistula-Version']).toBe('2');
    expect(headers['Epistula-Request-Signature']).toMatch(/^0x[0-9a-f]{128}$/);
    const r = verify(headers, body);
    expect(r).toEqual({ ok: true, signedBy: alice.ss58, uuid: headers['Epistula-Uuid'] });
  });

  it("interoperates across implementations: schnorrkel's (wasm) and @scure's (JS) signatures verify in both", () => {
    const pair = sr25519PairFromSeed(mnemonicToMiniSecret('blast curve early try fold fall plastic hobby donkey tomato crater diet'));
    const headers = signHeaders(body, alice, bob.ss58); // signed by schnorrkel (wasm)
    const msg = enc.encode(`${sha256Hex(body)}.${headers['Epistula-Uuid']}.${headers['Epistula-Timestamp']}.${bob.ss58}`);
    expect(sr25519Verify(msg, headers['Epistula-Request-Signature']!, alice.publicKey)).toBe(true);
    const jsSigned = { ...headers, 'Epistula-Request-Signature': u8aToHex(sr25519Sign(msg, pair)) };
    expect(verify(jsSigned, body)).toMatchObject({ ok: true, signedBy: alice.ss58 });
  });

  it('accepts lower-cased header names, as Node delivers them', () => {
    const lower = Object.fromEntries(Object.entries(signHeaders(body, alice, bob.ss58)).map(([k, v]) => [k.toLowerCase(), v]));
    expect(verify(lower, body).ok).toBe(true);
  });

  it('signs randomized signatures (two signatures of one message differ, both verify)', () => {
    const now = Date.now();
    const a = signHeaders(body, alice, bob.ss58, now);
    const b = { ...a, 'Epistula-Request-Signature': alice.sign(enc.encode(`${sha256Hex(body)}.${a['Epistula-Uuid']}.${a['Epistula-Timestamp']}.${bob.ss58}`)) };
    const hex = '0x' + Buffer.from(b['Epistula-Request-Signature'] as Uint8Array).toString('hex');
    expect(hex).not.toBe(a['Epistula-Request-Signature']);
    expect(verifyHeaders(a, body, { self: bob.ss58, replay: new ReplayCache(), now }).ok).toBe(true);
    expect(verifyHeaders({ ...a, 'Epistula-Request-Signature': hex }, body, { self: bob.ss58, replay: new ReplayCache(), now }).ok).toBe(true);
  });

  it('hashes the raw bytes: the same JSON with other whitespace fails', () => {
    const headers = signHeaders(body, alice, bob.ss58);
    const reformatted = enc.encode(JSON.stringify(JSON.parse(new TextDecoder().decode(body)), null, 2));
    const r = verify(headers, reformatted);
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses each missing header by name', () => {
    const headers = signHeaders(body, alice, bob.ss58);
    for (const name of Object.keys(headers)) {
      const { [name]: _gone, ...rest } = headers;
      const r = verify(rest, body);
      expect(r).toMatchObject({ ok: false, reason: 'missing_header' });
      expect(!r.ok && r.message).toContain(name);
    }
  });

  it('refuses malformed headers', () => {
    const headers = signHeaders(body, alice, bob.ss58);
    const cases: Array<[string, string, string]> = [
      ['Epistula-Version', '1', 'unsupported_version'],
      ['Epistula-Timestamp', '12.5', 'malformed_header'],
      ['Epistula-Timestamp', 'soon', 'malformed_header'],
      ['Epistula-Uuid', 'not-a-uuid', 'malformed_header'],
      ['Epistula-Request-Signature', '0xdeadbeef', 'malformed_header'],
      ['Epistula-Signed-By', '5NotAnAddress', 'malformed_header'],
    ];
    for (const [name, value, reason] of cases) expect(verify({ ...headers, [name]: value }, body)).toMatchObject({ ok: false, reason });
  });

  it('refuses a signature by another key, and a tampered header', () => {
    const headers = signHeaders(body, alice, bob.ss58);
    expect(verify({ ...headers, 'Epistula-Signed-By': eve.ss58 }, body)).toMatchObject({ ok: false, reason: 'bad_signature' });
    const ts = String(Number(headers['Epistula-Timestamp']) - 1);
    expect(verify({ ...headers, 'Epistula-Timestamp': ts }, body)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a message signed for another node, and skips the check when self is undefined', () => {
    const headers = signHeaders(body, alice, eve.ss58);
    expect(verify(headers, body)).toMatchObject({ ok: false, reason: 'wrong_receiver' });
    expect(verify(headers, body, { self: undefined }).ok).toBe(true);
  });

  it('refuses a timestamp older than 8 s or more than 2 s ahead, in milliseconds', () => {
    const now = 1_800_000_000_000;
    const at = (ms: number) => signHeaders(body, alice, bob.ss58, now + ms);
    expect(verify(at(-8_000), body, { now }).ok).toBe(true);
    expect(verify(at(-8_001), body, { now })).toMatchObject({ ok: false, reason: 'stale' });
    expect(verify(at(2_000), body, { now }).ok).toBe(true);
    expect(verify(at(2_001), body, { now })).toMatchObject({ ok: false, reason: 'future' });
    // a timestamp in seconds is ancient in milliseconds
    const secs = { ...at(0), 'Epistula-Timestamp': String(Math.floor(now / 1000)) };
    expect(verify(secs, body, { now })).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('refuses a replayed uuid inside the window, and does not let a forged request burn a uuid', () => {
    const replay = new ReplayCache();
    const headers = signHeaders(body, alice, bob.ss58);
    const forged = { ...headers, 'Epistula-Request-Signature': '0x' + '11'.repeat(64) };
    expect(verifyHeaders(forged, body, { self: bob.ss58, replay })).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifyHeaders(headers, body, { self: bob.ss58, replay }).ok).toBe(true);
    expect(verifyHeaders(headers, body, { self: bob.ss58, replay })).toMatchObject({ ok: false, reason: 'replayed' });
  });

  it('bounds the replay cache: it forgets expired uuids and refuses rather than forgets live ones', () => {
    const cache = new ReplayCache(2, 1_000);
    expect(cache.add('a', 0)).toBe('ok');
    expect(cache.add('b', 10)).toBe('ok');
    expect(cache.add('a', 20)).toBe('seen');
    expect(cache.add('c', 30)).toBe('full');
    expect(cache.add('c', 1_001)).toBe('ok');
    expect(cache.size).toBe(2);
  });

  it('signs a stream: the closing signature covers every byte before it', () => {
    const events = enc.encode('data: {"a":1}\n\ndata: {"b":2}\n\n');
    const sig = signStream(events, bob, alice.ss58);
    const opts = { self: alice.ss58, replay: new ReplayCache() };
    expect(verifyStreamSignature(events, sig, opts)).toEqual({ ok: true, signedBy: bob.ss58, uuid: sig.uuid });
    const altered = enc.encode('data: {"a":1}\n\ndata: {"b":3}\n\n');
    expect(verifyStreamSignature(altered, sig, { ...opts, replay: new ReplayCache() })).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(verifyStreamSignature(events, { ...sig, signed_by: eve.ss58 }, { ...opts, replay: new ReplayCache() })).toMatchObject({ ok: false, reason: 'bad_signature' });
  });
});
