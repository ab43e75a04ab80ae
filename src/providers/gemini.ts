/**
 * Google's Gemini API (`models/{model}:generateContent`, `:streamGenerateContent?alt=sse`,
 * `:embedContent`, `:batchEmbedContents`), translated to and from OpenAI's shapes; the
 * translation lives in `./gemini/`. The key goes in the `x-goog-api-key` header, never the URL.
 */
import type { GeminiConfig } from '../config/providers.js';
import { PolymathError } from '../errors.js';
import { networkError } from './http-errors.js';
import { readSse } from './sse-read.js';
import { embedWithGemini } from './gemini/embed.js';
import { geminiStatusError } from './gemini/errors.js';
import { translateGeminiStream } from './gemini/stream.js';
import { toGeminiRequest } from './gemini/translate-request.js';
import { fromGeminiResponse } from './gemini/translate-response.js';
import type { GeminiResponse } from './gemini/wire.js';
import type { CallContext, ChatRequest, ChatResult, EmbedRequest, EmbedResult, Provider, StreamEvent } from './types.js';
import { UpstreamHttp } from './upstream-http.js';

export const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';
export const GEMINI_DEFAULT_MODEL = 'gemini-2.5-flash';

export class GeminiProvider implements Provider {
  readonly type = 'gemini';
  readonly mode = 'api' as const;
  readonly capabilities = { jsonSchema: true, embeddings: true, streaming: true };
  readonly defaultModel: string;
  readonly models: readonly string[];
  private readonly baseUrl: string;
  private readonly embeddingModel: string;
  private readonly http: UpstreamHttp;

  constructor(
    readonly id: string,
    cfg: GeminiConfig,
  ) {
    // The API version is part of the path; a base URL given without one gets v1beta.
    const base = (cfg.base_url ?? GEMINI_BASE_URL).replace(/\/+$/, '');
    this.baseUrl = /\/v\d+(alpha|beta)?$/.test(base) ? base : `${base}/v1beta`;
    this.defaultModel = cfg.default_model ?? GEMINI_DEFAULT_MODEL;
    this.embeddingModel = cfg.embedding_model;
    this.models = [...new Set([this.defaultModel, ...cfg.models, this.embeddingModel])];
    this.http = new UpstreamHttp({
      provider: id,
      headers: { 'x-goog-api-key': cfg.api_key },
      timeoutMs: cfg.timeout_ms,
      connectTimeoutMs: cfg.connect_timeout_ms,
      maxConnections: cfg.max_connections,
      statusError: geminiStatusError(id),
    });
  }

  async chat(req: ChatRequest, ctx: CallContext): Promise<ChatResult> {
    const res = await this.http.postJson<GeminiResponse>(this.url(ctx.model, 'generateContent'), toGeminiRequest(req, this.id), ctx.signal);
    return { body: fromGeminiResponse(res, ctx.model, this.id) };
  }

  async *stream(req: ChatRequest, ctx: CallContext): AsyncIterable<StreamEvent> {
    const res = await this.http.post(`${this.url(ctx.model, 'streamGenerateContent')}?alt=sse`, toGeminiRequest(req, this.id), ctx.signal);
    try {
      yield* translateGeminiStream(readSse(res.body, this.id), { provider: this.id, model: ctx.model, includeUsage: req.stream_options?.include_usage === true });
    } catch (err) {
      throw networkError(this.id, err, res.signal);
    } finally {
      res.body.destroy();
    }
  }

  /** Embeds with the requested model when it is an embedding model, else with `embedding_model`. */
  async embed(req: EmbedRequest, ctx: CallContext): Promise<EmbedResult> {
    const model = /embed/i.test(ctx.model) ? ctx.model : this.embeddingModel;
    const body = await embedWithGemini(req, model, (method, payload) => this.http.postJson(this.url(model, method), payload, ctx.signal), this.id);
    return { body };
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private url(model: string, method: string): string {
    const name = model.replace(/^models\//, '');
    if (!name) throw new PolymathError('invalid_request', 'the model name is empty', { param: 'model' });
    return `${this.baseUrl}/models/${encodeURIComponent(name)}:${method}`;
  }
}
