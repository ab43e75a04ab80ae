/**
 * A local fake of Anthropic's Messages API (`POST /v1/messages`) that speaks its documented wire
 * format: `x-api-key` + `anthropic-version` checked, Message JSON bodies, error bodies
 * `{"type":"error","error":{"type","message"},"request_id"}` with Anthropic's statuses (529 for
 * overloaded), and streams framed as Anthropic frames them, `event: <type>\ndata: <json>\n\n`:
 * message_start, content_block_start / ping / content_block_delta... / content_block_stop per
 * block, message_delta, message_stop. Each test sets `behave` to script the next answers.
 */
import type { ServerResponse } from 'node:http';
import { json as jsonAnswer, startFakeServer, type Handler, type Received } from './fake-server.js';

export type { Received };
export type Behaviour = Handler<Received>;

export interface FakeAnthropic {
  /** the API root, as `base_url` takes it (no /v1) */
  url: string;
  received: Received[];
  behave: Behaviour;
  close(): Promise<void>;
}

export const FAKE_ANTHROPIC_KEY = 'sk-ant-fake-secret';

/** A content block of a Message. */
export type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface MessageOptions {
  model?: string;
  stop_reason?: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';
  stop_sequence?: string | null;
  usage?: { input_tokens: number; output_tokens: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number };
}

let counter = 0;

export function message(content: Block[], opts: MessageOptions = {}) {
  return {
    id: `msg_fake${String(++counter).padStart(4, '0')}`,
    type: 'message',
    role: 'assistant',
    model: opts.model ?? 'claude-haiku-4-5-20251001',
    content,
    stop_reason: opts.stop_reason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn'),
    stop_sequence: opts.stop_sequence ?? null,
    usage: { cache_creation_input_tokens: 0, cache_read_input_tokens: 0, ...(opts.usage ?? { input_tokens: 21, output_tokens: 7 }) },
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  jsonAnswer(res, status, body, { 'request-id': 'req_fake', ...headers });
}

/** Anthropic's error body with its status, e.g. (529, 'overloaded_error', 'Overloaded'). */
export function anthropicError(res: ServerResponse, status: number, type: string, text: string, headers: Record<string, string> = {}): void {
  json(res, status, { type: 'error', error: { type, message: text }, request_id: 'req_fake' }, headers);
}

export function startEventStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': 'req_fake' });
}

/** One SSE event in Anthropic's framing: the event name, and the same type inside the data. */
export function writeEvent(res: ServerResponse, data: { type: string; [k: string]: unknown }): void {
  res.write(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * The events Anthropic streams for a whole Message: text in word-sized text_delta pieces, tool
 * input as input_json_delta pieces (the first one empty, as Anthropic sends it), a ping after the
 * first block starts, and the usage in message_start (input) and message_delta (output).
 */
export function eventsFor(msg: ReturnType<typeof message>): Array<{ type: string; [k: string]: unknown }> {
  const events: Array<{ type: string; [k: string]: unknown }> = [
    {
      type: 'message_start',
      message: { ...msg, content: [], stop_reason: null, stop_sequence: null, usage: { ...msg.usage, output_tokens: 1 } },
    },
  ];
  msg.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      if (index === 0) events.push({ type: 'ping' });
      for (const piece of block.text.match(/\S+\s*|\s+/g) ?? []) {
        events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
      }
    } else {
      events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      if (index === 0) events.push({ type: 'ping' });
      const whole = JSON.stringify(block.input);
      const pieces = ['', ...(whole.match(/.{1,7}/gs) ?? [])];
      for (const partial_json of pieces) events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } });
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push({ type: 'message_delta', delta: { stop_reason: msg.stop_reason, stop_sequence: msg.stop_sequence }, usage: { output_tokens: msg.usage.output_tokens } });
  events.push({ type: 'message_stop' });
  return events;
}

/** Answers a Message as JSON, or as its event stream when the request asked to stream. */
export function answer(req: Received, res: ServerResponse, msg: ReturnType<typeof message>): void {
  if (!req.body.stream) return json(res, 200, msg);
  startEventStream(res);
  for (const e of eventsFor(msg)) writeEvent(res, e);
  res.end();
}

/** The default: checks what Anthropic checks first, then answers "Hello from Claude." */
export const anthropicBehaviour: Behaviour = (req, res) => {
  if (req.method !== 'POST' || req.url !== '/v1/messages') return anthropicError(res, 404, 'not_found_error', `Not found: ${req.url}`);
  if (req.headers['x-api-key'] !== FAKE_ANTHROPIC_KEY) return anthropicError(res, 401, 'authentication_error', 'invalid x-api-key');
  if (req.headers['anthropic-version'] !== '2023-06-01') return anthropicError(res, 400, 'invalid_request_error', 'anthropic-version: header is required');
  if (typeof req.body?.max_tokens !== 'number') return anthropicError(res, 400, 'invalid_request_error', 'max_tokens: Field required');
  if (!Array.isArray(req.body?.messages) || req.body.messages.length === 0) return anthropicError(res, 400, 'invalid_request_error', 'messages: Field required');
  answer(req, res, message([{ type: 'text', text: 'Hello from Claude.' }], { model: `${req.body.model}-20251001` }));
};

export async function startFakeAnthropic(behave: Behaviour = anthropicBehaviour): Promise<FakeAnthropic> {
  const server = await startFakeServer<Received>({ behave, badJson: (res) => anthropicError(res, 400, 'invalid_request_error', 'request body is not valid JSON') });
  return Object.defineProperties({ url: server.origin, received: server.received, close: server.close } as FakeAnthropic, {
    behave: { get: () => server.behave, set: (b: Behaviour) => (server.behave = b), enumerable: true },
  });
}
