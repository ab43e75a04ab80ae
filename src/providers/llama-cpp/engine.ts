/**
 * Loads a GGUF model once: the llama.cpp binding (imported lazily, so `npm start` with no local
 * model never pays for it), the model, one context holding `parallel` sequences with a chat per
 * sequence, and — on first use — an embedding context.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import type { Llama, LlamaChat, LlamaContext, LlamaEmbeddingContext, LlamaGrammar, LlamaModel } from 'node-llama-cpp';
import type { LlamaCppConfig } from '../../config/providers.js';
import { PolymathError } from '../../errors.js';
import { Slots } from './slots.js';
import { toGrammarSchema } from './grammar-schema.js';

export interface Engine {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  /** one chat per context sequence, lent out one request at a time */
  chats: Slots<LlamaChat>;
  /** tokens of context per sequence */
  contextSize: number;
  threads: number;
  grammars: GrammarCache;
  /** tokens generated since the model loaded, all sequences together */
  generatedTokens(): number;
  /** the embedding context, created on first use and then shared one call at a time */
  embeddings(): Promise<Slots<LlamaEmbeddingContext>>;
  dispose(): Promise<void>;
}

/**
 * `auto`: half the logical cores, at least one. On small machines more threads than that fight
 * the event loop and each other (2 threads on 2 cores ran ~15× slower than 1 with a tiny model);
 * on SMT machines half the logical cores is about the physical cores llama.cpp wants.
 */
export function resolveThreads(threads: LlamaCppConfig['threads'], cores = os.availableParallelism()): number {
  return threads === 'auto' ? Math.max(1, Math.floor(cores / 2)) : threads;
}

export async function loadEngine(id: string, cfg: LlamaCppConfig): Promise<Engine> {
  if (!existsSync(cfg.model_path)) {
    throw new PolymathError('invalid_request', `llama-cpp provider "${id}": model_path "${cfg.model_path}" does not exist (polymath models pull can fetch one)`, { provider: id });
  }
  let lib: typeof import('node-llama-cpp');
  try {
    lib = await import('node-llama-cpp');
  } catch (err) {
    throw new PolymathError('internal', `llama-cpp provider "${id}": node-llama-cpp could not be loaded (${(err as Error).message}); reinstall with npm install`, { provider: id, cause: err });
  }
  const threads = resolveThreads(cfg.threads);
  const llama = await lib.getLlama({ gpu: cfg.gpu, maxThreads: threads, logLevel: lib.LlamaLogLevel.error });
  try {
    const model = await llama.loadModel({ modelPath: cfg.model_path, ...(cfg.gpu === false ? { gpuLayers: 0 } : {}) });
    // Past the training context a model degrades; llama.cpp warns, we cap.
    const contextSize = Math.min(cfg.context_size, model.trainContextSize);
    const context = await model.createContext({ contextSize, sequences: cfg.parallel, threads });
    const chats: LlamaChat[] = [];
    for (let i = 0; i < cfg.parallel; i++) chats.push(new lib.LlamaChat({ contextSequence: context.getSequence() }));
    const slots = new Slots(chats, cfg.max_queue, id);

    let embedding: Promise<Slots<LlamaEmbeddingContext>> | undefined;
    return {
      llama,
      model,
      context,
      chats: slots,
      contextSize,
      threads,
      grammars: new GrammarCache(llama),
      generatedTokens: () => chats.reduce((sum, chat) => sum + chat.sequence.tokenMeter.usedOutputTokens, 0),
      embeddings() {
        embedding ??= model.createEmbeddingContext({ contextSize, threads }).then((ctx) => new Slots([ctx], cfg.max_queue, id));
        return embedding;
      },
      async dispose() {
        slots.close();
        (await embedding?.catch(() => undefined))?.close();
        await llama.dispose();
      },
    };
  } catch (err) {
    await llama.dispose();
    throw err;
  }
}

/** JSON-schema grammars by schema text, so a content kind asked for again reuses its grammar. */
export class GrammarCache {
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  constructor(
    private readonly llama: Llama,
    private readonly max = 64,
  ) {}

  /** `null` schema: any JSON value (json_object). */
  get(schema: Record<string, unknown> | null): Promise<LlamaGrammar> {
    const key = schema === null ? '' : JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (grammar) {
      this.grammars.delete(key);
    } else {
      grammar = schema === null
        ? this.llama.getGrammarFor('json')
        : // Wire boundary: the client's JSON Schema; node-llama-cpp checks what it supports.
          this.llama.createGrammarForJsonSchema(toGrammarSchema(schema) as Parameters<Llama['createGrammarForJsonSchema']>[0]);
      grammar.catch(() => this.grammars.delete(key));
    }
    this.grammars.set(key, grammar);
    if (this.grammars.size > this.max) this.grammars.delete(this.grammars.keys().next().value as string);
    return grammar;
  }
}
