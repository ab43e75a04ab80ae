/**
 * A user's own generator behind HTTP that does not speak OpenAI: POSTs the custom-generator
 * request (`{id, model, input, messages, params, intent}`, see custom-contract.ts) as JSON to
 * `url` and reads `{"content": "..."}` or a full OpenAI chat.completion back. A deadline covers
 * the whole call; a non-2xx answer or a network failure maps like any upstream's (http-errors.ts).
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { HttpConfig } from '../config/providers.js';
import { chunksFromCompletion } from './completion-from-text.js';
import { completionFromAnswer, customRequest } from './custom-contract.js';
import { MAX_ERROR_BODY, networkError, readCapped, upstreamStatusError } from './http-errors.js';
import type { CallContext, ChatRequest, ChatResult, Provider, StreamEvent } from './types.js';

export class HttpProvider implements Provider {
  readonly type = 'http';
  readonly mode = 'custom' as const;
  readonly capabilities = { jsonSchema: false, embeddings: false, streaming: true };
  readonly defaultModel: string;
  readonly models: readonly string[];
  private readonly headers: Record<string, string>;
  private readonly agent: Agent;

  constructor(
    readonly id: string,
    private readonly cfg: HttpConfig,
  ) {
    this.defaultModel = cfg.default_model;
    this.models = [...new Set([cfg.default_model, ...cfg.models])];
    this.headers = {
      ...cfg.headers,
      'content-type': 'application/json',
      accept: 'application/json',
      ...(cfg.api_key ? { authorization: `Bearer ${cfg.api_key}` } : {}),
    };
    this.agent = new Agent({
      connections: cfg.max_connections,
      connect: { timeout: cfg.connect_timeout_ms },
      headersTimeout: cfg.timeout_ms,
      bodyTimeout: cfg.timeout_ms,
      keepAliveTimeout: 30_000,
    });
  }

  async chat(req: ChatRequest, ctx: CallContext): Promise<ChatResult> {
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(this.cfg.timeout_ms)]);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(this.cfg.url, {
        method: 'POST',
        headers: { ...this.headers, 'x-request-id': ctx.requestId },
        body: JSON.stringify(customRequest(req, ctx)),
        signal,
        dispatcher: this.agent,
      });
    } catch (err) {
      throw networkError(this.id, err, signal);
    }
    let text: string;
    try {
      if (res.statusCode >= 300) {
        throw upstreamStatusError(this.id, res.statusCode, await readCapped(res.body, MAX_ERROR_BODY, this.id, true), res.headers['retry-after']);
      }
      text = await readCapped(res.body, this.cfg.max_output_bytes, this.id);
    } catch (err) {
      res.body.destroy();
      throw networkError(this.id, err, signal);
    }
    return { body: completionFromAnswer(text, this.id, req, ctx) };
  }

  async *stream(req: ChatRequest, ctx: CallContext): AsyncIterable<StreamEvent> {
    const { body } = await this.chat(req, ctx);
    yield* chunksFromCompletion(body, req);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
