/**
 * One signed call to one miner, and the check of its answer: the request is signed (Epistula)
 * for the miner's hotkey; the answer must be signed by the hotkey the metagraph has at the uid
 * called (an axon copied by another node gets nothing), for this gateway's hotkey, fresh and not
 * replayed. Content answers must also pass their kind's schema. Chat goes to
 * `/v1/chat/completions`, content requests to `/v1/content/{kind}`.
 */
import type { Agent, Dispatcher } from 'undici';
import type { Abort, Signal } from '../../abort.js';
import { PolymathError } from '../../errors.js';
import { isKind, KINDS } from '../../content/schemas/index.js';
import { signHeaders, verifyHeaders, verifyStreamSignature, type ReplayCache } from '../../network/epistula.js';
import type { Neuron } from '../../network/metagraph/index.js';
import { axonUrl } from '../../network/registry/index.js';
import type { Hotkey } from '../../network/wallet/index.js';
import { completionFromText } from '../completion-from-text.js';
import { deadline } from '../deadline.js';
import { MAX_ERROR_BODY, networkError, readCapped, upstreamStatusError } from '../http-errors.js';
import { readSse } from '../sse-read.js';
import type { ChatChunk, ChatCompletion, ChatRequest, ChatResult, ContentIntent, StreamEvent } from '../types.js';

/** The largest answer (or streamed body) read from a miner. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

export interface CallEnv {
  provider: string;
  agent: Agent;
  signer: Hotkey;
  replay: ReplayCache;
  timeoutMs: number;
}

function who(env: CallEnv, n: Neuron): string {
  return `${env.provider} miner uid ${n.uid}`;
}

function invalid(env: CallEnv, n: Neuron, message: string, code: string): PolymathError {
  return new PolymathError('upstream_invalid', `${who(env, n)}: ${message}`, { provider: env.provider, code });
}

interface Open {
  res: Dispatcher.ResponseData;
  /** the request's Epistula-Uuid: a signed answer repeats it, tying it to this request */
  uuid: string;
  /** the caller's signal joined with this call's deadline */
  abort: Abort;
  close(): void;
}

/** POSTs a signed body to a miner; answers its open 2xx response or throws the mapped error. */
async function open(env: CallEnv, n: Neuron, path: string, body: string, signal: Signal): Promise<Open> {
  const limit = deadline(signal, env.timeoutMs);
  const signed = signHeaders(body, env.signer, n.hotkey);
  let res: Dispatcher.ResponseData;
  try {
    res = await env.agent.request({
      origin: axonUrl(n),
      path,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed },
      body,
      signal: limit.abort,
    });
  } catch (err) {
    limit.release();
    throw networkError(who(env, n), err, limit.abort);
  }
  const close = () => {
    res.body.destroy();
    limit.release();
  };
  if (res.statusCode >= 300) {
    const text = await readCapped(res.body, MAX_ERROR_BODY, who(env, n), true).catch(() => '');
    close();
    throw upstreamStatusError(who(env, n), res.statusCode, text, res.headers['retry-after']);
  }
  return { res, uuid: signed['Epistula-Uuid'], abort: limit.abort, close };
}

/** Opens, reads the whole signed answer and checks its signature. */
async function signedJson(env: CallEnv, n: Neuron, path: string, body: string, signal: Signal): Promise<{ raw: Buffer; body: Record<string, unknown> }> {
  const o = await open(env, n, path, body, signal);
  try {
    const raw = await readBytes(env, n, o.res.body);
    checkSigned(env, n, o.res.headers, raw, o.uuid);
    return { raw, body: parseJson(env, n, raw) };
  } catch (err) {
    throw networkError(who(env, n), err, o.abort);
  } finally {
    o.close();
  }
}

async function readBytes(env: CallEnv, n: Neuron, body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const p of body) {
    size += p.byteLength;
    if (size > MAX_ANSWER_BYTES) throw invalid(env, n, `answer larger than ${MAX_ANSWER_BYTES} bytes`, 'answer_too_large');
    parts.push(Buffer.from(p));
  }
  return Buffer.concat(parts);
}

/** Checks the signature of a whole JSON answer; answers its bytes. */
function checkSigned(env: CallEnv, n: Neuron, headers: Dispatcher.ResponseData['headers'], raw: Buffer, uuid: string): void {
  const v = verifyHeaders(headers, raw, { self: env.signer.ss58, replay: env.replay });
  if (!v.ok) throw invalid(env, n, `answer signature refused (${v.reason}: ${v.message})`, 'bad_answer_signature');
  if (v.signedBy !== n.hotkey) throw invalid(env, n, `answer signed by ${v.signedBy}, not by the hotkey of the uid called`, 'wrong_answer_signer');
  if (v.uuid !== uuid) throw invalid(env, n, 'answer signed for another request (its uuid is not this request\'s)', 'wrong_answer_uuid');
}

function parseJson(env: CallEnv, n: Neuron, raw: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw invalid(env, n, 'answer is not JSON', 'malformed_answer');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(env, n, 'answer is not a JSON object', 'malformed_answer');
  return value as Record<string, unknown>;
}

export async function chatMiner(env: CallEnv, n: Neuron, req: ChatRequest, model: string, signal: Signal): Promise<ChatResult> {
  const { raw, body } = await signedJson(env, n, '/v1/chat/completions', JSON.stringify({ ...req, model, stream: false }), signal);
  if (!Array.isArray(body.choices)) throw invalid(env, n, 'answer has no "choices"', 'malformed_answer');
  return { body: body as ChatCompletion, raw: raw.toString('utf8') };
}

/** The body of a miner's POST /v1/content/{kind}: the gateway content endpoint's own body. */
export function contentBody(intent: ContentIntent, model: string): Record<string, unknown> {
  const body: Record<string, unknown> = { model };
  if (intent.topic) body.topic = intent.topic;
  if (intent.text) body.text = intent.text;
  if (intent.persona) body.persona = intent.persona;
  if (intent.options) body.options = intent.options;
  return body;
}

export async function contentMiner(env: CallEnv, n: Neuron, intent: ContentIntent, model: string, signal: Signal): Promise<ChatResult> {
  const kind = intent.kind;
  if (!isKind(kind)) throw new PolymathError('invalid_request', `unknown content kind "${kind}"`, { param: 'kind' });
  const { body } = await signedJson(env, n, `/v1/content/${kind}`, JSON.stringify(contentBody(intent, model)), signal);
  if (body.kind !== kind) throw invalid(env, n, `answered kind "${String(body.kind)}" for "${kind}"`, 'wrong_kind');
  const parsed = KINDS[kind].schema.safeParse(body.content);
  if (!parsed.success) throw invalid(env, n, `${kind} content fails its schema: ${parsed.error.issues[0]?.message ?? ''}`, 'invalid_content');
  const usage = body.usage as { prompt_tokens?: number; completion_tokens?: number } | undefined;
  const prompt = Number(usage?.prompt_tokens ?? 0) || 0;
  const completion = Number(usage?.completion_tokens ?? 0) || 0;
  return {
    body: completionFromText(JSON.stringify(body.content), {
      model: typeof body.model === 'string' ? body.model : model,
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    }),
  };
}

/**
 * A miner's SSE stream, checked as it goes: each event is passed on as read; the signed chunk
 * before `[DONE]` must sign the hash of every event before it with the hotkey of the uid called.
 * A stream that ends unsigned, or signed by another key, fails at its end.
 */
export async function* streamMiner(env: CallEnv, n: Neuron, req: ChatRequest, model: string, signal: Signal): AsyncGenerator<StreamEvent> {
  const o = await open(env, n, '/v1/chat/completions', JSON.stringify({ ...req, model, stream: true }), signal);
  const seen: Buffer[] = [];
  let size = 0;
  let signed = false;
  try {
    for await (const event of readSse(o.res.body, who(env, n))) {
      if (event.data === '[DONE]') break;
      let chunk: ChatChunk & { epistula?: Parameters<typeof verifyStreamSignature>[1]; error?: { message?: string } };
      try {
        chunk = JSON.parse(event.data) as typeof chunk;
      } catch {
        throw invalid(env, n, 'stream event is not JSON', 'malformed_answer');
      }
      if (chunk.error) throw new PolymathError('upstream_error', `${who(env, n)} reported an error: ${chunk.error.message ?? ''}`, { provider: env.provider });
      if (chunk.epistula) {
        const v = verifyStreamSignature(Buffer.concat(seen), chunk.epistula, { self: env.signer.ss58, replay: env.replay });
        if (!v.ok) throw invalid(env, n, `stream signature refused (${v.reason}: ${v.message})`, 'bad_answer_signature');
        if (v.signedBy !== n.hotkey) throw invalid(env, n, 'stream signed by another hotkey than the uid called', 'wrong_answer_signer');
        if (v.uuid !== o.uuid) throw invalid(env, n, 'stream signed for another request (its uuid is not this request\'s)', 'wrong_answer_uuid');
        signed = true;
        continue;
      }
      if (signed) throw invalid(env, n, 'events after the signed chunk', 'malformed_answer');
      const bytes = Buffer.from(`data: ${event.data}\n\n`);
      size += bytes.length;
      if (size > MAX_ANSWER_BYTES) throw invalid(env, n, `stream larger than ${MAX_ANSWER_BYTES} bytes`, 'answer_too_large');
      seen.push(bytes);
      if (!Array.isArray(chunk.choices)) throw invalid(env, n, 'stream chunk has no "choices"', 'malformed_answer');
      yield { chunk, raw: event.data };
    }
    if (!signed) throw invalid(env, n, 'stream ended without its signed chunk', 'unsigned_answer');
  } catch (err) {
    throw networkError(who(env, n), err, o.abort);
  } finally {
    o.close();
  }
}
