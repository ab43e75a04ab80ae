/**
 * PROVISIONAL (issue 11 branch): Epistula v2 signing and verification as the network contract
 * describes it, until issue 10's `src/network/epistula.ts` is merged; theirs replaces this file.
 */
import { createHash, randomUUID } from 'node:crypto';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { decodeAddress, sr25519Verify } from '@polkadot/util-crypto';
import type { Hotkey } from './wallet.js';

const sha256hex = (body: Uint8Array | string) => createHash('sha256').update(body).digest('hex');

export function signHeaders(body: Uint8Array | string, signer: Hotkey, signedFor: string, now = Date.now()): Record<string, string> {
  const uuid = randomUUID();
  const message = `${sha256hex(body)}.${uuid}.${now}.${signedFor}`;
  return {
    'Epistula-Version': '2',
    'Epistula-Timestamp': String(now),
    'Epistula-Uuid': uuid,
    'Epistula-Signed-By': signer.ss58,
    'Epistula-Signed-For': signedFor,
    'Epistula-Request-Signature': u8aToHex(signer.sign(new TextEncoder().encode(message))),
  };
}

export class ReplayCache {
  private readonly seen = new Map<string, number>();
  constructor(private readonly max = 100_000, private readonly windowMs = 10_000) {}
  /** true when the uuid was not seen inside the window (and records it) */
  add(uuid: string, now = Date.now()): boolean {
    const at = this.seen.get(uuid);
    if (at !== undefined && now - at < this.windowMs) return false;
    if (this.seen.size >= this.max) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(uuid, now);
    return true;
  }
}

type Verified = { ok: true; signedBy: string; uuid: string } | { ok: false; reason: string; message: string };

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name] ?? h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function check(hash: string, e: { uuid?: string; timestamp?: string; signedBy?: string; signedFor?: string; signature?: string }, opts: { self: string | undefined; replay: ReplayCache; now?: number; maxAgeMs?: number; maxFutureMs?: number }): Verified {
  const { uuid, timestamp, signedBy, signedFor, signature } = e;
  if (!uuid || !timestamp || !signedBy || signedFor === undefined || !signature) return { ok: false, reason: 'missing_headers', message: 'Epistula headers are missing' };
  const now = opts.now ?? Date.now();
  const ts = Number(timestamp);
  if (!Number.isFinite(ts)) return { ok: false, reason: 'malformed', message: 'Epistula-Timestamp is not a number' };
  if (now - ts > (opts.maxAgeMs ?? 8_000)) return { ok: false, reason: 'stale', message: 'the signature is too old' };
  if (ts - now > (opts.maxFutureMs ?? 2_000)) return { ok: false, reason: 'future', message: 'the timestamp is in the future' };
  if (opts.self !== undefined && signedFor !== opts.self) return { ok: false, reason: 'wrong_receiver', message: 'signed for another hotkey' };
  let good = false;
  try {
    good = sr25519Verify(new TextEncoder().encode(`${hash}.${uuid}.${timestamp}.${signedFor}`), hexToU8a(signature), decodeAddress(signedBy));
  } catch {
    good = false;
  }
  if (!good) return { ok: false, reason: 'bad_signature', message: 'the signature does not verify' };
  if (!opts.replay.add(uuid, now)) return { ok: false, reason: 'replay', message: 'this uuid was already used' };
  return { ok: true, signedBy, uuid };
}

export function verifyHeaders(headers: Record<string, string | string[] | undefined>, rawBody: Uint8Array, opts: { self: string | undefined; replay: ReplayCache; now?: number; maxAgeMs?: number; maxFutureMs?: number }): Verified {
  return check(
    sha256hex(rawBody),
    {
      uuid: header(headers, 'Epistula-Uuid'),
      timestamp: header(headers, 'Epistula-Timestamp'),
      signedBy: header(headers, 'Epistula-Signed-By'),
      signedFor: header(headers, 'Epistula-Signed-For'),
      signature: header(headers, 'Epistula-Request-Signature'),
    },
    opts,
  );
}

export interface StreamEpistula {
  version: string;
  signed_by: string;
  signed_for: string;
  uuid: string;
  timestamp: number | string;
  body_sha256: string;
  signature: string;
}

export function verifyStreamSignature(streamBytesBefore: Uint8Array, epistula: StreamEpistula, opts: { self: string | undefined; replay: ReplayCache; now?: number; maxAgeMs?: number; maxFutureMs?: number }): Verified {
  const hash = sha256hex(streamBytesBefore);
  if (hash !== epistula.body_sha256) return { ok: false, reason: 'bad_body_hash', message: 'the stream does not match its signed hash' };
  return check(hash, { uuid: epistula.uuid, timestamp: String(epistula.timestamp), signedBy: epistula.signed_by, signedFor: epistula.signed_for, signature: epistula.signature }, opts);
}

/** The final signed chunk of a stream (miner side), for test servers speaking the wire format. */
export function signStream(streamBytesBefore: Uint8Array, signer: Hotkey, signedFor: string, now = Date.now()): StreamEpistula {
  const h = signHeaders(streamBytesBefore, signer, signedFor, now);
  return { version: '2', signed_by: signer.ss58, signed_for: signedFor, uuid: h['Epistula-Uuid'], timestamp: now, body_sha256: sha256hex(streamBytesBefore), signature: h['Epistula-Request-Signature'] };
}
