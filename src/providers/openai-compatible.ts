/**
 * Any upstream that speaks OpenAI's wire format: OpenAI, OpenRouter, Perplexity, Ollama, vLLM,
 * llama.cpp server, LM Studio. A pass-through: the request gains only its upstream model name,
 * and the response bytes (whole bodies and each SSE `data:` payload) reach the client as sent.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { PolymathError } from '../errors.js';
import type { OpenAICompatibleConfig } from '../config/providers.js';
import { PRESETS, type Preset } from './presets.js';
import { MAX_ERROR_BODY, networkError, readCapped, upstreamStatusError } from './http-errors.js';
import { readSse } from './sse-read.js';
import type { CallContext, ChatChunk, ChatCompletion, ChatRequest, ChatResult, EmbedRequest, EmbedResponse, EmbedResult, Provider, StreamEvent } from './types.js';

/** The largest whole (non-streaming) response body we accept from an upstream. */
const MAX_BODY = 32 * 1024 * 1024;

export class OpenAICompatibleProvider implements Provider {
  readonly type = 'openai-compatible';
  readonly mode;
  readonly capabilities = { jsonSchema: true, embeddings: true, streaming: true };
  readonly defaultModel?: string;
  readonly models: readonly string[];
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(readonly id: string, cfg: OpenAICompatibleConfig) {
    const preset: Preset | undefined = cfg.preset ? PRESETS[cfg.preset] : undefined;
    this.baseUrl = (cfg.base_url ?? preset?.base_url ?? '').replace(/\/+$/, '');
    this.headers = {
      'content-type': 'application/json',
      ...preset?.headers,
      ...cfg.headers,
      ...(cfg.api_key ? { authorization: `Bearer ${cfg.api_key}` } : {}),
    };
    this.defaultModel = cfg.default_model ?? preset?.default_model;
    this.models = [...new Set([...(this.defaultModel ? [this.defaultModel] : []), ...cfg.models])];
    this.timeoutMs = cfg.timeout_ms;
    // A model on this machine or the local network is local; a hosted API is an api.
    this.mode = /^https?:\/\/(127\.|localhost|\[::1\])/.test(this.baseUrl) ? ('local' as const) : ('api' as const);
    this.agent = new Agent({
      connections: cfg.max_connections,
      connect: { timeout: cfg.connect_timeout_ms },
      headersTimeout: cfg.timeout_ms,
      bodyTimeout: cfg.timeout_ms,
      keepAliveTimeout: 30_000,
    });
  }

  async chat(req: ChatRequest, ctx: CallContext): Promise<ChatResult> {
    const { body, signal } = await this.post('/chat/completions', { ...req, model: ctx.model }, ctx);
    const raw = await this.read(body, signal);
    return { body: this.parse<ChatCompletion>(raw, 'choices'), raw };
  }

  async *stream(req: ChatRequest, ctx: CallContext): AsyncIterable<StreamEvent> {
    const { body, signal } = await this.post('/chat/completions', { ...req, model: ctx.model, stream: true }, ctx);
    try {
      for await (const event of readSse(body, this.id)) {
        if (event.data === '[DONE]') return;
        const chunk = this.parse<ChatChunk>(event.data, 'choices');
        yield { chunk, raw: event.data };
      }
    } catch (err) {
      throw networkError(this.id, err, signal);
    } finally {
      body.destroy();
    }
  }

  async embed(req: EmbedRequest, ctx: CallContext): Promise<EmbedResult> {
    const { body, signal } = await this.post('/embeddings', { ...req, model: ctx.model }, ctx);
    const raw = await this.read(body, signal);
    return { body: this.parse<EmbedResponse>(raw, 'data'), raw };
  }

  async health(signal: AbortSignal): Promise<boolean> {
    try {
      const res = await request(`${this.baseUrl}/models`, { method: 'GET', headers: this.headers, signal, dispatcher: this.agent });
      await res.body.dump();
      return res.statusCode < 400;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** POSTs JSON; answers the body of a 2xx or throws the upstream's error. */
  private async post(path: string, payload: unknown, ctx: CallContext): Promise<{ body: Dispatcher.ResponseData['body']; signal: AbortSignal }> {
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(this.timeoutMs)]);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { ...this.headers, 'x-request-id': ctx.requestId },
        body: JSON.stringify(payload),
        signal,
        dispatcher: this.agent,
      });
    } catch (err) {
      throw networkError(this.id, err, signal);
    }
    if (res.statusCode >= 300) {
      let text = '';
      try {
        text = await readCapped(res.body, MAX_ERROR_BODY, this.id, true);
      } catch (err) {
        throw networkError(this.id, err, signal);
      }
      throw upstreamStatusError(this.id, res.statusCode, text, res.headers['retry-after']);
    }
    return { body: res.body, signal };
  }

  private async read(body: Dispatcher.ResponseData['body'], signal: AbortSignal): Promise<string> {
    try {
      return await readCapped(body, MAX_BODY, this.id);
    } catch (err) {
      throw networkError(this.id, err, signal);
    }
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
