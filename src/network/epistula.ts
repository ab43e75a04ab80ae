/**
 * Epistula v2: each request (and, in Polymath, each answer) is signed by the sender's sr25519
 * hotkey. The signed message is the UTF-8 string
 *   sha256hex(raw body bytes) + "." + uuid + "." + timestamp + "." + signed_for
 * and the verifier hashes the bytes it received, never a re-serialization.
 *
 * Unlike the reference implementations, verification bounds future timestamps, remembers uuids
 * (a bounded replay cache), checks `Signed-For`, and compares milliseconds with milliseconds.
 */
import { createHash, randomUUID } from 'node:crypto';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import { verify } from './sr25519.js';
import type { Hotkey } from './wallet/index.js';

export const EPISTULA_VERSION = '2';
/** requests older than this are refused */
export const MAX_AGE_MS = 8_000;
/** requests stamped further ahead than this are refused (clock skew allowance) */
export const MAX_FUTURE_MS = 2_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SIGNATURE = /^0x[0-9a-fA-F]{128}$/;

const encoder = new TextEncoder();
const toBytes = (body: Uint8Array | string) => (typeof body === 'string' ? encoder.encode(body) : body);

export function sha256Hex(body: Uint8Array | string): string {
  return createHash('sha256').update(toBytes(body)).digest('hex');
}

function message(bodySha256: string, uuid: string, timestamp: string, signedFor: string): Uint8Array {
  return encoder.encode(`${bodySha256}.${uuid}.${timestamp}.${signedFor}`);
}

/**
 * The six Epistula headers for a body sent by `signer` to `signedFor`. An answer passes the
 * request's uuid, which ties it to that request (a replayed older answer carries another uuid).
 */
export function signHeaders(body: Uint8Array | string, signer: Hotkey, signedFor: string, now = Date.now(), uuid: string = randomUUID()): Record<string, string> {
  const timestamp = String(Math.trunc(now));
  return {
    'Epistula-Version': EPISTULA_VERSION,
    'Epistula-Timestamp': timestamp,
    'Epistula-Uuid': uuid,
    'Epistula-Signed-By': signer.ss58,
    'Epistula-Signed-For': signedFor,
    'Epistula-Request-Signature': u8aToHex(signer.sign(message(sha256Hex(body), uuid, timestamp, signedFor))),
  };
}

/**
 * Remembers the uuids of accepted messages for as long as their timestamps are acceptable, so a
 * captured request cannot be replayed inside the window. Bounded: when full of live entries it
 * refuses new ones rather than forgetting one that could then be replayed.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();
  constructor(
    readonly capacity = 100_000,
    readonly windowMs = MAX_AGE_MS + MAX_FUTURE_MS,
  ) {}

  get size(): number {
    return this.seen.size;
  }

  /** 'ok' when recorded now; 'seen' for a replay; 'full' when the cache cannot take it. */
  add(key: string, now = Date.now()): 'ok' | 'seen' | 'full' {
    this.evict(now);
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return 'seen';
    if (this.seen.size >= this.capacity) return 'full';
    this.seen.delete(key);
    this.seen.set(key, now + this.windowMs);
    return 'ok';
  }

  private evict(now: number): void {
    // Entries are inserted in time order with one window, so the oldest expire first.
    for (const [key, until] of this.seen) {
      if (until > now) break;
      this.seen.delete(key);
    }
  }
}

export type VerifyReason =
  | 'missing_header'
  | 'malformed_header'
  | 'unsupported_version'
  | 'wrong_receiver'
  | 'stale'
  | 'future'
  | 'bad_signature'
  | 'replayed'
  | 'replay_cache_full';

export type VerifyResult = { ok: true; signedBy: string; uuid: string } | { ok: false; reason: VerifyReason; message: string };

export interface VerifyOptions {
  /** this node's ss58; undefined = do not check Signed-For */
  self: string | undefined;
  replay: ReplayCache;
  now?: number;
  maxAgeMs?: number;
  maxFutureMs?: number;
}

type HeaderBag = Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== lower) continue;
    return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
  }
  return undefined;
}

const fail = (reason: VerifyReason, message: string): VerifyResult => ({ ok: false, reason, message });

/** Checks a message's Epistula headers against the raw bytes received. */
export function verifyHeaders(headers: HeaderBag, rawBody: Uint8Array, opts: VerifyOptions): VerifyResult {
  const names = ['Epistula-Version', 'Epistula-Timestamp', 'Epistula-Uuid', 'Epistula-Signed-By', 'Epistula-Signed-For', 'Epistula-Request-Signature'] as const;
  const v: Record<string, string> = {};
  for (const name of names) {
    const value = header(headers, name);
    if (value === undefined || value === '') return fail('missing_header', `Missing Epistula header ${name}.`);
    v[name] = value;
  }
  return verifyParts(
    {
      version: v['Epistula-Version']!,
      timestamp: v['Epistula-Timestamp']!,
      uuid: v['Epistula-Uuid']!,
      signedBy: v['Epistula-Signed-By']!,
      signedFor: v['Epistula-Signed-For']!,
      signature: v['Epistula-Request-Signature']!,
      bodySha256: sha256Hex(rawBody),
    },
    opts,
  );
}

interface Parts {
  version: string;
  timestamp: string;
  uuid: string;
  signedBy: string;
  signedFor: string;
  signature: string;
  bodySha256: string;
}

function verifyParts(p: Parts, opts: VerifyOptions): VerifyResult {
  if (p.version !== EPISTULA_VERSION) return fail('unsupported_version', `Epistula-Version must be "${EPISTULA_VERSION}", got "${p.version}".`);
  if (!/^\d{1,16}$/.test(p.timestamp)) return fail('malformed_header', 'Epistula-Timestamp must be milliseconds since the epoch.');
  if (!UUID.test(p.uuid)) return fail('malformed_header', 'Epistula-Uuid must be a UUID.');
  if (!SIGNATURE.test(p.signature)) return fail('malformed_header', 'Epistula-Request-Signature must be 0x and 64 bytes of hex.');
  let publicKey: Uint8Array;
  try {
    publicKey = decodeAddress(p.signedBy);
    if (publicKey.length !== 32) throw new Error('not 32 bytes');
  } catch {
    return fail('malformed_header', 'Epistula-Signed-By is not an ss58 address.');
  }
  if (opts.self !== undefined && p.signedFor !== opts.self) return fail('wrong_receiver', `The message is signed for ${p.signedFor}, not for this node (${opts.self}).`);
  const now = opts.now ?? Date.now();
  const ts = Number(p.timestamp);
  const maxAge = opts.maxAgeMs ?? MAX_AGE_MS;
  const maxFuture = opts.maxFutureMs ?? MAX_FUTURE_MS;
  if (now - ts > maxAge) return fail('stale', `The message is ${now - ts} ms old; the limit is ${maxAge} ms.`);
  if (ts - now > maxFuture) return fail('future', `The message is stamped ${ts - now} ms in the future; the limit is ${maxFuture} ms.`);
  if (!verify(message(p.bodySha256, p.uuid, p.timestamp, p.signedFor), hexToU8a(p.signature), publicKey)) {
    return fail('bad_signature', `The signature does not match the body and headers for ${p.signedBy}.`);
  }
  // Recorded only once the signature holds, so nobody can burn another sender's uuids.
  const added = opts.replay.add(`${p.signedBy}:${p.uuid}`, now);
  if (added === 'seen') return fail('replayed', `Epistula-Uuid ${p.uuid} was already used.`);
  if (added === 'full') return fail('replay_cache_full', 'Too many signed messages in the replay window; retry shortly.');
  return { ok: true, signedBy: p.signedBy, uuid: p.uuid };
}

/** The signature a stream ends with, in the `epistula` field of its last chunk. */
export interface StreamEpistula {
  version: string;
  signed_by: string;
  signed_for: string;
  uuid: string;
  timestamp: number | string;
  body_sha256: string;
  signature: string;
}

/** Signs the bytes of a stream written so far (every `data: …\n\n` event). */
export function signStream(streamBytesBefore: Uint8Array | string, signer: Hotkey, signedFor: string, now = Date.now()): StreamEpistula {
  return signStreamDigest(sha256Hex(streamBytesBefore), signer, signedFor, now);
}

/** The same, from the sha256 hex of those bytes (hashed incrementally as they were written). */
export function signStreamDigest(bodySha256: string, signer: Hotkey, signedFor: string, now = Date.now(), uuid: string = randomUUID()): StreamEpistula {
  const timestamp = Math.trunc(now);
  return {
    version: EPISTULA_VERSION,
    signed_by: signer.ss58,
    signed_for: signedFor,
    uuid,
    timestamp,
    body_sha256: bodySha256,
    signature: u8aToHex(signer.sign(message(bodySha256, uuid, String(timestamp), signedFor))),
  };
}

/**
 * Checks a stream's closing signature against the bytes the client received before that chunk.
 * A mismatch between `body_sha256` and those bytes is a bad signature.
 */
export function verifyStreamSignature(streamBytesBefore: Uint8Array, epistula: StreamEpistula, opts: VerifyOptions): VerifyResult {
  const bodySha256 = sha256Hex(streamBytesBefore);
  if (typeof epistula !== 'object' || epistula === null) return fail('missing_header', 'The stream has no epistula signature.');
  if (epistula.body_sha256 !== bodySha256) return fail('bad_signature', 'The streamed bytes do not match the signed hash.');
  return verifyParts(
    {
      version: String(epistula.version),
      timestamp: String(epistula.timestamp),
      uuid: String(epistula.uuid),
      signedBy: String(epistula.signed_by),
      signedFor: String(epistula.signed_for),
      signature: String(epistula.signature),
      bodySha256,
    },
    opts,
  );
}
