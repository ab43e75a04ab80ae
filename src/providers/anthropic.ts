/**
 * Anthropic's Messages API (`POST /v1/messages`), translated to and from OpenAI's shapes; the
 * translation lives in `./anthropic/`. Authenticates with `x-api-key` and `anthropic-version`.
 */
import type { AnthropicConfig } from '../config/providers.js';
import { PolymathError } from '../errors.js';
import { networkError } from './http-errors.js';
import { readSse } from './sse-read.js';
import { anthropicStatusError } from './anthropic/errors.js';
import { translateAnthropicStream } from './anthropic/stream.js';
import { toAnthropicRequest } from './anthropic/translate-request.js';
import { fromAnthropicMessage } from './anthropic/translate-response.js';
import type { AnthropicMessage } from './anthropic/wire.js';
import type { CallContext, ChatRequest, ChatResult, Provider, StreamEvent } from './types.js';
import { UpstreamHttp } from './upstream-http.js';

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const ANTHROPIC_DEFAULT_MODEL = 'claude-haiku-4-5';

export class AnthropicProvider implements Provider {
  readonly type = 'anthropic';
  readonly mode = 'api' as const;
  readonly capabilities = { jsonSchema: true, embeddings: false, streaming: true };
  readonly defaultModel: string;
  readonly models: readonly string[];
  private readonly url: string;
  private readonly http: UpstreamHttp;
  private readonly defaultMaxTokens: number;

  constructor(
    readonly id: string,
    cfg: AnthropicConfig,
  ) {
    // The SDKs' base URL has no version; accept one that ends in /v1 all the same.
    const base = (cfg.base_url ?? ANTHROPIC_BASE_URL).replace(/\/+$/, '').replace(/\/v1$/, '');
    this.url = `${base}/v1/messages`;
    this.defaultModel = cfg.default_model ?? ANTHROPIC_DEFAULT_MODEL;
    this.models = [...new Set([this.defaultModel, ...cfg.models])];
    this.defaultMaxTokens = cfg.default_max_tokens;
    this.http = new UpstreamHttp({
      provider: id,
      headers: { 'x-api-key': cfg.api_key, 'anthropic-version': cfg.anthropic_version },
      timeoutMs: cfg.timeout_ms,
      connectTimeoutMs: cfg.connect_timeout_ms,
      maxConnections: cfg.max_connections,
      statusError: anthropicStatusError(id),
    });
  }

  async chat(req: ChatRequest, ctx: CallContext): Promise<ChatResult> {
    const { body, jsonTool } = toAnthropicRequest(req, { provider: this.id, model: ctx.model, defaultMaxTokens: this.defaultMaxTokens, stream: false });
    const msg = await this.http.postJson<AnthropicMessage>(this.url, body, ctx.signal);
    if (!Array.isArray(msg.content) || typeof msg.id !== 'string') {
      throw new PolymathError('upstream_invalid', `${this.id} sent a message without id or content`, { provider: this.id });
    }
    return { body: fromAnthropicMessage(msg, jsonTool) };
  }

  async *stream(req: ChatRequest, ctx: CallContext): AsyncIterable<StreamEvent> {
    const { body, jsonTool } = toAnthropicRequest(req, { provider: this.id, model: ctx.model, defaultMaxTokens: this.defaultMaxTokens, stream: true });
    const res = await this.http.post(this.url, body, ctx.signal);
    try {
      yield* translateAnthropicStream(readSse(res.body, this.id), {
        provider: this.id,
        model: ctx.model,
        jsonTool,
        includeUsage: req.stream_options?.include_usage === true,
      });
    } catch (err) {
      throw networkError(this.id, err, res.signal);
    } finally {
      res.body.destroy();
    }
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
