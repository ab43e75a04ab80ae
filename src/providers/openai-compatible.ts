/**
 * Any upstream that speaks OpenAI's wire format: OpenAI, OpenRouter, Perplexity, Ollama, vLLM,
 * llama.cpp server, LM Studio. A pass-through: the request gains only its upstream model name,
 * and the response bytes (whole bodies and each SSE `data:` payload) reach the client as sent.
 */
import { PolymathError } from '../errors.js';
import type { OpenAICompatibleConfig } from '../config/providers.js';
import { PRESETS, type Preset } from './presets.js';
import { networkError, upstreamStatusError } from './http-errors.js';
import { readSse } from './sse-read.js';
import { UpstreamHttp } from './upstream-http.js';
import type { CallContext, ChatChunk, ChatCompletion, ChatRequest, ChatResult, EmbedRequest, EmbedResponse, EmbedResult, Provider, StreamEvent } from './types.js';

export class OpenAICompatibleProvider implements Provider {
  readonly type = 'openai-compatible';
  readonly mode;
  readonly capabilities = { jsonSchema: true, embeddings: true, streaming: true };
  readonly defaultModel?: string;
  readonly models: readonly string[];
  private readonly baseUrl: string;
  private readonly http: UpstreamHttp;

  constructor(readonly id: string, cfg: OpenAICompatibleConfig) {
    const preset: Preset | undefined = cfg.preset ? PRESETS[cfg.preset] : undefined;
    this.baseUrl = (cfg.base_url ?? preset?.base_url ?? '').replace(/\/+$/, '');
    this.defaultModel = cfg.default_model ?? preset?.default_model;
    this.models = [...new Set([...(this.defaultModel ? [this.defaultModel] : []), ...cfg.models])];
    // A model on this machine is local; a hosted API is an api.
    this.mode = /^https?:\/\/(127\.|localhost|\[::1\])/.test(this.baseUrl) ? ('local' as const) : ('api' as const);
    this.http = new UpstreamHttp({
      provider: id,
      headers: { ...preset?.headers, ...cfg.headers, ...(cfg.api_key ? { authorization: `Bearer ${cfg.api_key}` } : {}) },
      timeoutMs: cfg.timeout_ms,
      connectTimeoutMs: cfg.connect_timeout_ms,
      maxConnections: cfg.max_connections,
      statusError: (status, text, headers) => upstreamStatusError(id, status, text, headers['retry-after']),
    });
  }

  async chat(req: ChatRequest, ctx: CallContext): Promise<ChatResult> {
    const raw = await this.http.postText(`${this.baseUrl}/chat/completions`, { ...req, model: ctx.model }, ctx.signal, { 'x-request-id': ctx.requestId });
    return { body: this.parse<ChatCompletion>(raw, 'choices'), raw };
  }

  async *stream(req: ChatRequest, ctx: CallContext): AsyncIterable<StreamEvent> {
    const { body, signal } = await this.http.post(`${this.baseUrl}/chat/completions`, { ...req, model: ctx.model, stream: true }, ctx.signal, { 'x-request-id': ctx.requestId });
    try {
      for await (const event of readSse(body, this.id)) {
        if (event.data === '[DONE]') return;
        yield { chunk: this.parse<ChatChunk>(event.data, 'choices'), raw: event.data };
      }
    } catch (err) {
      throw networkError(this.id, err, signal);
    } finally {
      body.destroy();
    }
  }

  async embed(req: EmbedRequest, ctx: CallContext): Promise<EmbedResult> {
    const raw = await this.http.postText(`${this.baseUrl}/embeddings`, { ...req, model: ctx.model }, ctx.signal, { 'x-request-id': ctx.requestId });
    return { body: this.parse<EmbedResponse>(raw, 'data'), raw };
  }

  health(signal: AbortSignal): Promise<boolean> {
    return this.http.ok(`${this.baseUrl}/models`, signal);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** Parses upstream JSON and checks it has the field every answer of its kind has. */
  private parse<T>(text: string, requiredField: string): T {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new PolymathError('upstream_invalid', `${this.id} sent malformed JSON: ${text.slice(0, 200)}`, { provider: this.id });
    }
    if (value === null || typeof value !== 'object') {
      throw new PolymathError('upstream_invalid', `${this.id} sent JSON that is not an object`, { provider: this.id });
    }
    const error = (value as { error?: { message?: unknown } }).error;
    if (error) {
      // OpenRouter and others report a failure inside a 200 stream as `data: {"error": {...}}`.
      const message = typeof error.message === 'string' ? error.message : JSON.stringify(error);
      throw new PolymathError('upstream_error', `${this.id} reported an error: ${message}`, { provider: this.id });
    }
    if (!(requiredField in value)) {
      throw new PolymathError('upstream_invalid', `${this.id} sent JSON without "${requiredField}"`, { provider: this.id });
    }
    return value as T;
  }
}
