/**
 * The official openai client with Epistula v2 headers added per request: a custom `fetch` that
 * signs the exact body bytes it sends, and keeps a copy of each answer for signature checks.
 */
import OpenAI from 'openai';
import { signHeaders } from '../../src/network/epistula.js';
import type { Hotkey } from '../../src/network/wallet/index.js';

/**
 * How old a signed answer may be when a test checks it: a client's own policy, wider than the 8 s
 * a request gets, because on a busy shared machine the test may look at an answer seconds later.
 */
export const ANSWER_WINDOW = { maxAgeMs: 120_000 };

export interface SignedAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  /** the Epistula-Uuid the request was signed with */
  requestUuid: string;
}

export function signingFetch(key: Hotkey, signedFor: string, answers: Array<Promise<SignedAnswer>>): typeof fetch {
  return async (input, init) => {
    const body = typeof init?.body === 'string' ? init.body : '';
    const headers = new Headers(init?.headers);
    const signed = signHeaders(body, key, signedFor);
    for (const [name, value] of Object.entries(signed)) headers.set(name, value);
    const res = await fetch(input, { ...init, headers });
    const copy = res.clone();
    answers.push(copy.arrayBuffer().then((b) => ({ status: copy.status, headers: Object.fromEntries(copy.headers), body: new Uint8Array(b), requestUuid: signed['Epistula-Uuid']! })));
    return res;
  };
}

export function signingClient(baseURL: string, key: Hotkey, minerSs58: string): { client: OpenAI; answers: Array<Promise<SignedAnswer>> } {
  const answers: Array<Promise<SignedAnswer>> = [];
  const client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 60_000, fetch: signingFetch(key, minerSs58, answers) });
  return { client, answers };
}

/** Splits an SSE answer at its `epistula` event: the bytes before it, and the signature. */
export function splitSignedStream(body: Uint8Array): { before: Uint8Array; epistula: any } {
  // wire boundary: the epistula object is checked by verifyStreamSignature
  const text = Buffer.from(body).toString('utf8');
  const at = text.lastIndexOf('data: {', text.lastIndexOf('"epistula"'));
  const line = text.slice(at + 'data: '.length, text.indexOf('\n\n', at));
  return { before: body.subarray(0, Buffer.byteLength(text.slice(0, at))), epistula: JSON.parse(line).epistula };
}
