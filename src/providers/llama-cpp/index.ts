/**
 * `llama-cpp`: a GGUF model served in-process through node-llama-cpp, so a file on disk answers
 * with no other process. Loaded once and warmed up in `start()`; `parallel` requests generate at
 * once, each on its own context sequence, and up to `max_queue` more wait for one.
 */
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import type { LlamaChat } from 'node-llama-cpp';
import { abortSignal } from '../../abort.js';
import type { LlamaCppConfig } from '../../config/providers.js';
import { PolymathError, toPolymathError } from '../../errors.js';
import type { CallContext, ChatChunk, ChatRequest, ChatResult, EmbedRequest, EmbedResult, Provider, StreamEvent } from '../types.js';
import { embedTexts } from './embed.js';
import { loadEngine, type Engine } from './engine.js';
import { generate, grammarFor, type Generated } from './generate.js';
import { TextFeed } from './text-feed.js';

export { resolveThreads } from './engine.js';

/** Stream chunks are at least this far apart; text made in between rides in the next one (see TextFeed). */
const STREAM_GAP_MS = 10;

/** The one-token warm-up at start may take this long (a large model's first pass pages it in). */
const WARM_UP_MS = 300_000;

export class LlamaCppProvider implements Provider {
  readonly type = 'llama-cpp';
  readonly mode = 'local' as const;
  readonly capabilities = { jsonSchema: true, embeddings: true, streaming: true };
  readonly defaultModel: string;
  readonly models: readonly string[];
  private engine: Engine | undefined;

  constructor(
    readonly id: string,
    private readonly cfg: LlamaCppConfig,
  ) {
    this.defaultModel = cfg.default_model ?? basename(cfg.model_path).replace(/\.gguf$/i, '');
    this.models = [...new Set([this.defaultModel, ...cfg.models])];
  }

  /** Loads the model and runs one token through it, so the first request pays no warm-up. */
  async start(): Promise<void> {
    if (this.engine) return;
    const engine = await loadEngine(this.id, this.cfg);
    await engine.chats.use(AbortSignal.timeout(WARM_UP_MS), (chat) =>
      chat.generateResponse([{ type: 'user', text: 'Hello' }, { type: 'model', response: [] }], { maxTokens: 1 }),
    );
    this.engine = engine;
  }

  /** threads actually used for inference (after `auto` is resolved) */
  get threads(): number | undefined {
    return this.engine?.threads;
  }

  /** tokens generated since start, all sequences together (0 before start) */
  get generatedTokens(): number {
    return this.engine?.generatedTokens() ?? 0;
  }

  async chat(req: ChatRequest, ctx: CallContext): Promise<ChatResult> {
    const done = await this.run(req, ctx);
    const id = `chatcmpl-${randomUUID()}`;
    return {
      body: {
        id,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: ctx.model,
        choices: [{ index: 0, message: { role: 'assistant', content: done.text, refusal: null }, finish_reason: done.finishReason, logprobs: null }],
        usage: done.usage,
      },
    };
  }

  async *stream(req: ChatRequest, ctx: CallContext): AsyncIterable<StreamEvent> {
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const withUsage = req.stream_options?.include_usage === true;
    const chunk = (delta: ChatChunk['choices'][0]['delta'], finish: Generated['finishReason'] | null = null): StreamEvent => ({
      chunk: {
        id,
        object: 'chat.completion.chunk',
        created,
        model: ctx.model,
        choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
        ...(withUsage ? { usage: null } : {}),
      },
    });

    // Stopped when the reader leaves early: the client went away or a later stage gave up.
    const stop = new AbortController();
    const feed = new TextFeed(STREAM_GAP_MS);
    const run = this.run(req, { ...ctx, signal: AbortSignal.any([abortSignal(ctx.signal), stop.signal]) }, (text) => feed.push(text));
    run.then(
      () => feed.end(),
      (err: unknown) => feed.fail(err),
    );
    try {
      let started = false;
      for await (const text of feed) {
        if (!started) {
          started = true;
          yield chunk({ role: 'assistant', content: '' });
        }
        yield chunk({ content: text });
      }
      const done = await run;
      if (!started) yield chunk({ role: 'assistant', content: '' });
      yield chunk({}, done.finishReason);
      if (withUsage) yield { chunk: { id, object: 'chat.completion.chunk', created, model: ctx.model, choices: [], usage: done.usage } };
    } finally {
      stop.abort(new PolymathError('client_closed', 'the stream was closed before it ended'));
      await run.catch(() => undefined);
    }
  }

  async embed(req: EmbedRequest, ctx: CallContext): Promise<EmbedResult> {
    const engine = this.started();
    const { signal, fail } = this.deadline(ctx);
    try {
      const pool = await engine.embeddings();
      const body = await pool.use(signal, (embedder) => embedTexts(engine, embedder, req, ctx.model, signal));
      return { body };
    } catch (err) {
      throw fail(err);
    }
  }

  async health(): Promise<boolean> {
    return this.engine !== undefined && !this.engine.model.disposed;
  }

  async close(): Promise<void> {
    const engine = this.engine;
    this.engine = undefined;
    await engine?.dispose();
  }

  /** Waits for a free sequence, then generates; errors come back as PolymathErrors. */
  private async run(req: ChatRequest, ctx: CallContext, onText?: (text: string) => void): Promise<Generated> {
    const engine = this.started();
    const { signal, fail } = this.deadline(ctx);
    try {
      const grammar = await grammarFor(req, engine.grammars);
      return await engine.chats.use(signal, (chat: LlamaChat) => generate(engine, chat, req, grammar, signal, onText));
    } catch (err) {
      throw fail(err);
    }
  }

  private started(): Engine {
    if (!this.engine) throw new PolymathError('no_healthy_target', `llama-cpp provider "${this.id}" is not loaded`, { provider: this.id });
    return this.engine;
  }

  /** The call's signal joined with our deadline, and how to name an error once it fired. */
  private deadline(ctx: CallContext): { signal: AbortSignal; fail: (err: unknown) => PolymathError } {
    const timeout = AbortSignal.timeout(this.cfg.timeout_ms);
    const signal = AbortSignal.any([abortSignal(ctx.signal), timeout]);
    const fail = (err: unknown): PolymathError => {
      if (err instanceof PolymathError) return err;
      if (timeout.aborted && !ctx.signal.aborted) {
        return new PolymathError('upstream_timeout', `${this.id} did not finish within ${this.cfg.timeout_ms} ms`, { provider: this.id, cause: err });
      }
      if (ctx.signal.aborted) {
        const reason: unknown = ctx.signal.reason;
        return reason instanceof PolymathError ? reason : new PolymathError('client_closed', 'the client closed the request', { cause: err });
      }
      const pe = toPolymathError(err, 'upstream_error');
      return new PolymathError(pe.kind, `${this.id}: ${pe.message}`, { ...pe.details, provider: this.id });
    };
    return { signal, fail };
  }
}
