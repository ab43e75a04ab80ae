/**
 * Token counts for a stream whose upstream reported no usage (it ignored include_usage, or the
 * stream failed part way): the prompt and the text sent, counted with gpt-tokenizer (o200k_base,
 * the encoding of OpenAI's current models; for others an approximation). Loaded on first use: it
 * takes about a second to load and most streams never need it.
 */
import type { ChatRequest, Usage } from '../providers/types.js';

type Counter = (text: string) => number;
let counter: Promise<Counter> | undefined;
let loaded: Counter | undefined;

function load(): Promise<Counter> {
  return (counter ??= import('gpt-tokenizer').then((m) => (loaded = (text: string) => m.countTokens(text))));
}

/** per message, as OpenAI's chat format adds (role and separators) */
const PER_MESSAGE = 3;
/** the estimate until the tokenizer is loaded */
const roughly: Counter = (text) => Math.ceil(text.length / 4);

/** Counts with the tokenizer (loading it on first use). */
export async function countUsage(req: Pick<ChatRequest, 'messages'>, completion: string): Promise<Usage> {
  return countWith(await load(), req, completion);
}

/** Counts at once: with the tokenizer if it is loaded, else at 4 characters a token (a stream the client abandoned should not wait for it). */
export function countUsageNow(req: Pick<ChatRequest, 'messages'>, completion: string): Usage {
  return countWith(loaded ?? roughly, req, completion);
}

function countWith(count: Counter, req: Pick<ChatRequest, 'messages'>, completion: string): Usage {
  let prompt = 3;
  for (const m of req.messages) {
    const content = (m as { content?: unknown }).content;
    prompt += PER_MESSAGE + count(typeof content === 'string' ? content : JSON.stringify(content ?? ''));
  }
  const completionTokens = completion.length === 0 ? 0 : count(completion);
  return { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens };
}
