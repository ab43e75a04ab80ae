/**
 * Every answer to a verified caller is signed by the miner's hotkey, so the caller can prove
 * which hotkey produced it: JSON answers carry the Epistula headers over their exact bytes;
 * streams end with one more event (before `data: [DONE]` for chat) whose `epistula` field signs
 * the sha256 of every byte streamed before it. The answer repeats the request's uuid, so the
 * caller can tell it answers that request and no other.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ChatChunk } from '../../providers/types.js';
import type { StreamTap } from '../../server/routes/chat.js';
import { signHeaders, signStreamDigest, type StreamEpistula } from '../epistula.js';
import type { Hotkey } from '../wallet/index.js';

export function installAnswerSigning(app: FastifyInstance, hotkey: Hotkey): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.caller === undefined) return payload;
    if (typeof payload === 'string' || Buffer.isBuffer(payload)) reply.headers(signHeaders(payload, hotkey, request.caller, Date.now(), request.callerUuid));
    return payload;
  });
}

/** Hashes a stream's events as they are written, and signs the hash at the end. */
class StreamSigner {
  private readonly hash = createHash('sha256');
  private first: ChatChunk | undefined;

  constructor(
    private readonly hotkey: Hotkey,
    private readonly caller: string,
    private readonly uuid: string | undefined,
  ) {}

  seen(data: string, chunk?: ChatChunk): void {
    this.first ??= chunk;
    this.hash.update(`data: ${data}\n\n`);
  }

  private epistula(): StreamEpistula {
    return signStreamDigest(this.hash.digest('hex'), this.hotkey, this.caller, Date.now(), this.uuid);
  }

  /** shaped like OpenAI's usage chunk (no choices), so OpenAI clients accept it */
  chatLast(): string {
    const e = this.epistula();
    const c = this.first;
    return JSON.stringify({ id: c?.id ?? `chatcmpl-${e.uuid}`, object: 'chat.completion.chunk', created: c?.created ?? Math.floor(Date.now() / 1000), model: c?.model ?? 'unknown', choices: [], epistula: e });
  }

  contentLast(): string {
    return JSON.stringify({ type: 'signature', epistula: this.epistula() });
  }
}

export function chatStreamTap(hotkey: Hotkey) {
  return (request: FastifyRequest): StreamTap | undefined => {
    if (request.caller === undefined) return undefined;
    const signer = new StreamSigner(hotkey, request.caller, request.callerUuid);
    return { seen: (data, chunk) => signer.seen(data, chunk), last: () => signer.chatLast() };
  };
}

export function contentStreamTap(hotkey: Hotkey) {
  return (request: FastifyRequest) => {
    if (request.caller === undefined) return undefined;
    const signer = new StreamSigner(hotkey, request.caller, request.callerUuid);
    return { seen: (data: string) => signer.seen(data), last: () => signer.contentLast() };
  };
}
