/**
 * A user's own generator behind HTTP that does not speak OpenAI: POSTs the custom-generator
 * request (`{id, model, input, messages, params, intent}`, see custom-contract.ts) as JSON to
 * `url` and reads `{"content": "..."}` or a full OpenAI chat.completion back. A deadline covers
 * the whole call; a non-2xx answer or a network failure maps like any upstream's (http-errors.ts).
 */
import type { HttpConfig } from '../config/providers.js';
import { chunksFromCompletion } from './completion-from-text.js';
import { completionFromAnswer, customRequest } from './custom-contract.js';
import { upstreamStatusError } from './http-errors.js';
import { UpstreamHttp } from './upstream-http.js';
import type { CallContext, ChatRequest, ChatResult, Provider, StreamEvent } from './types.js';

export class HttpProvider implements Provider {
  readonly type = 'http';
  readonly mode = 'custom' as const;
  readonly capabilities = { jsonSchema: false, embeddings: false, streaming: true };
  readonly defaultModel: string;
  readonly models: readonly string[];
  private readonly http: UpstreamHttp;

  constructor(
    readonly id: string,
    private readonly cfg: HttpConfig,
  ) {
    this.defaultModel = cfg.default_model;
    this.models = [...new Set([cfg.default_model, ...cfg.models])];
    this.http = new UpstreamHttp({
      provider: id,
      headers: { ...cfg.headers, accept: 'application/json', ...(cfg.api_key ? { authorization: `Bearer ${cfg.api_key}` } : {}) },
      timeoutMs: cfg.timeout_ms,
      connectTimeoutMs: cfg.connect_timeout_ms,
      maxConnections: cfg.max_connections,
      maxBodyBytes: cfg.max_output_bytes,
      statusError: (status, text, headers) => upstreamStatusError(id, status, text, headers['retry-after']),
    });
  }

  async chat(req: ChatRequest, ctx: CallContext): Promise<ChatResult> {
    const text = await this.http.postText(this.cfg.url, customRequest(req, ctx), ctx.signal, { 'x-request-id': ctx.requestId });
    return { body: completionFromAnswer(text, this.id, req, ctx) };
  }

  async *stream(req: ChatRequest, ctx: CallContext): AsyncIterable<StreamEvent> {
    const { body } = await this.chat(req, ctx);
    yield* chunksFromCompletion(body, req);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
