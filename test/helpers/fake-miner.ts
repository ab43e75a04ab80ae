/**
 * A miner for tests of the gateway side, speaking `polymath miner`'s wire format over a real
 * socket with real sr25519 signatures: Epistula-verified requests (401 with OpenAI error JSON
 * when refused), signed JSON answers (Epistula headers), signed streams (the `epistula` chunk
 * before `[DONE]`), `POST /v1/content/{kind}` and `POST /availability`. Its behaviour can be
 * changed while it runs: honest, failing, slow, canned, forged (signed by another key),
 * unsigned, schema-invalid content, signed for another request (another uuid).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { cryptoWaitReady, mnemonicGenerate } from '@polkadot/util-crypto';
import { ReplayCache, sha256Hex, signHeaders, signStreamDigest, verifyHeaders } from '../../src/network/epistula.js';
import { hotkeyFromMnemonic, type Hotkey } from '../../src/network/wallet/index.js';
import { SAMPLES } from '../content-fixtures.js';

export type Behaviour = 'honest' | 'fail' | 'canned' | 'forged' | 'unsigned' | 'invalid_content' | 'other_uuid';

export interface MinerRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: any; // wire boundary: the JSON the gateway sent
  /** whether the connection closed before the answer was written */
  aborted: boolean;
}

export interface FakeMiner {
  url: string;
  port: number;
  hotkey: Hotkey;
  behaviour: Behaviour;
  /** added before each answer (and between streamed words) */
  delayMs: number;
  perTokenMs: number;
  availability: Record<string, unknown>;
  /** answers a chat itself when it returns text (e.g. from a real model) */
  answer?: (body: any) => Promise<string | undefined>;
  received: MinerRequest[];
  close(): Promise<void>;
}

const CANNED = 'Buy cheap watches now, limited offer, click the link for amazing deals today.';

function topicOf(body: any): string {
  if (typeof body?.topic === 'string') return body.topic;
  const msgs = Array.isArray(body?.messages) ? body.messages : [];
  const last = [...msgs].reverse().find((m: any) => m.role === 'user');
  return typeof last?.content === 'string' ? last.content : 'nothing';
}

/** An honest answer: about the prompt's own words, as any real model's would be. */
export function honestText(prompt: string): string {
  return `Here is an answer about ${prompt}. When we study ${prompt}, we learn how ${prompt} works and why ${prompt} matters.`;
}

function contentFor(kind: string, topic: string, behaviour: Behaviour): unknown {
  const sample = (SAMPLES as Record<string, unknown>)[kind];
  if (behaviour === 'invalid_content') return { nonsense: true };
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') return behaviour === 'canned' ? CANNED : `${v} (${topic})`;
    if (Array.isArray(v)) return v.map(fill);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'type' ? x : fill(x)]));
    return v;
  };
  return fill(sample);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeMiner(opts: { behaviour?: Behaviour; delayMs?: number; perTokenMs?: number; availability?: Record<string, unknown>; mnemonic?: string } = {}): Promise<FakeMiner> {
  await cryptoWaitReady();
  const hotkey = hotkeyFromMnemonic(opts.mnemonic ?? mnemonicGenerate());
  const impostor = hotkeyFromMnemonic(mnemonicGenerate());
  const replay = new ReplayCache();
  const sockets = new Set<Socket>();

  const signer = () => (miner.behaviour === 'forged' ? impostor : hotkey);
  const sendSigned = (res: ServerResponse, status: number, body: unknown, caller: string, uuid: string) => {
    const text = JSON.stringify(body);
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
    if (miner.behaviour !== 'unsigned') Object.assign(headers, signHeaders(text, signer(), caller, Date.now(), uuid));
    res.writeHead(status, headers);
    res.end(text);
  };
  const error = (res: ServerResponse, status: number, message: string, code: string) => {
    const text = JSON.stringify({ error: { message, type: status === 401 ? 'authentication_error' : 'server_error', param: null, code } });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const p of req) parts.push(p as Buffer);
    const raw = Buffer.concat(parts);
    let body: any;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return error(res, 400, 'body is not JSON', 'invalid_json');
    }
    const record: MinerRequest = { path: req.url ?? '', headers: req.headers, body, aborted: false };
    miner.received.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.aborted = true;
    });
    const v = verifyHeaders(req.headers, raw, { self: hotkey.ss58, replay });
    if (!v.ok) return error(res, 401, v.message, v.reason);
    const caller = v.signedBy;
    const uuid = miner.behaviour === 'other_uuid' ? crypto.randomUUID() : v.uuid;
    if (req.url === '/availability') {
      return sendSigned(res, 200, { task_availabilities: { inference: true }, llm_model_availabilities: {}, generation_mode: 'custom', kinds: [], subjects: [], languages: [], models: ['default'], in_flight: 0, version: 'test', hotkey: hotkey.ss58, ...miner.availability }, caller, uuid);
    }
    if (miner.delayMs > 0) await sleep(miner.delayMs);
    if (res.destroyed) return;
    if (miner.behaviour === 'fail') return error(res, 500, 'this miner always fails', 'miner_failed');
    const topic = topicOf(body);
    const content = req.url?.match(/^\/v1\/content\/([a-z_]+)$/);
    if (content) {
      return sendSigned(res, 200, { kind: content[1], content: contentFor(content[1], topic, miner.behaviour), usage: { prompt_tokens: 10, completion_tokens: 20 }, model: 'fake-miner' }, caller, uuid);
    }
    if (req.url !== '/v1/chat/completions') return error(res, 404, 'not found', 'not_found');
    const own = miner.answer ? await miner.answer(body) : undefined;
    const text = own ?? (miner.behaviour === 'canned' ? CANNED : honestText(topic));
    const id = `chatcmpl-${Math.random().toString(36).slice(2)}`;
    const created = Math.floor(Date.now() / 1000);
    if (!body.stream) {
      return sendSigned(res, 200, { id, object: 'chat.completion', created, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }], usage: { prompt_tokens: 5, completion_tokens: 20, total_tokens: 25 } }, caller, uuid);
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const written: Buffer[] = [];
    const write = (data: unknown) => {
      const b = Buffer.from(`data: ${JSON.stringify(data)}\n\n`);
      written.push(b);
      res.write(b);
    };
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
    write(chunk({ role: 'assistant', content: '' }, null));
    for (const word of text.split(/(?<= )/)) {
      if (miner.perTokenMs > 0) await sleep(miner.perTokenMs);
      if (res.destroyed) return;
      write(chunk({ content: word }, null));
    }
    write(chunk({}, 'stop'));
    if (miner.behaviour !== 'unsigned') {
      const epistula = signStreamDigest(sha256Hex(Buffer.concat(written)), signer(), caller, Date.now(), uuid);
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, choices: [], epistula })}\n\n`);
    }
    res.end('data: [DONE]\n\n');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const miner: FakeMiner = {
    url: `http://127.0.0.1:${port}`,
    port,
    hotkey,
    behaviour: opts.behaviour ?? 'honest',
    delayMs: opts.delayMs ?? 0,
    perTokenMs: opts.perTokenMs ?? 0,
    availability: opts.availability ?? {},
    received: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return miner;
}
