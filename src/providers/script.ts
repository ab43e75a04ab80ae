/**
 * A user's own generator as an executable (`command: ["python3", "./custom/generate.py"]`).
 * One-shot (default): a fresh process per call, the request JSON on its stdin, its answer JSON
 * on its stdout when it exits with 0. Persistent (`persistent: true`): a small pool of long-lived
 * processes, one JSON request per line in, one JSON answer per line out, one call at a time per
 * process. The contract of request and answer is in custom-contract.ts; streaming sends the
 * finished answer as chunks.
 */
import { abortSignal } from '../abort.js';
import type { ScriptConfig } from '../config/providers.js';
import { chunksFromCompletion } from './completion-from-text.js';
import { completionFromAnswer, customRequest } from './custom-contract.js';
import { ScriptPool } from './script/pool.js';
import type { ScriptCommand } from './script/process.js';
import { runOnce } from './script/run-once.js';
import { secretValues } from './script/stderr-tail.js';
import type { CallContext, ChatRequest, ChatResult, Provider, StreamEvent } from './types.js';

export class ScriptProvider implements Provider {
  readonly type = 'script';
  readonly mode = 'custom' as const;
  readonly capabilities = { jsonSchema: false, embeddings: false, streaming: true };
  readonly defaultModel: string;
  readonly models: readonly string[];
  private readonly cmd: ScriptCommand;
  private readonly secrets: readonly string[];
  private readonly pool: ScriptPool | undefined;

  constructor(
    readonly id: string,
    private readonly cfg: ScriptConfig,
  ) {
    this.defaultModel = cfg.default_model;
    this.models = [...new Set([cfg.default_model, ...cfg.models])];
    this.cmd = { command: cfg.command, cwd: cfg.cwd, env: cfg.env };
    this.secrets = secretValues(cfg.env);
    this.pool = cfg.persistent
      ? new ScriptPool({
          provider: id,
          cmd: this.cmd,
          secrets: this.secrets,
          maxOutputBytes: cfg.max_output_bytes,
          timeoutMs: cfg.timeout_ms,
          size: cfg.pool_size,
          maxQueue: cfg.max_queue,
        })
      : undefined;
  }

  async start(): Promise<void> {
    this.pool?.warm();
  }

  async chat(req: ChatRequest, ctx: CallContext): Promise<ChatResult> {
    const signal = AbortSignal.any([abortSignal(ctx.signal), AbortSignal.timeout(this.cfg.timeout_ms)]);
    const input = JSON.stringify(customRequest(req, ctx));
    const text = this.pool
      ? await this.pool.call(input, signal)
      : await runOnce(`${input}\n`, {
          provider: this.id,
          cmd: this.cmd,
          secrets: this.secrets,
          maxOutputBytes: this.cfg.max_output_bytes,
          timeoutMs: this.cfg.timeout_ms,
          signal,
        });
    return { body: completionFromAnswer(text, this.id, req, ctx) };
  }

  async *stream(req: ChatRequest, ctx: CallContext): AsyncIterable<StreamEvent> {
    const { body } = await this.chat(req, ctx);
    yield* chunksFromCompletion(body, req);
  }

  /** Running long-lived processes (persistent only; empty for one-shot scripts). */
  pids(): number[] {
    return this.pool?.pids() ?? [];
  }

  async close(): Promise<void> {
    this.pool?.close();
  }
}
