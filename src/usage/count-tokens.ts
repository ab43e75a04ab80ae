/**
 * Token counts for a stream whose upstream reported no usage (it ignored include_usage, or the
 * stream failed part way): the prompt and the text sent, counted with gpt-tokenizer (o200k_base,
 * the encoding of OpenAI's current models; for others an approximation). Loaded on first use: it
 * takes about a second to load and most streams never need it.
 */
import type { ChatRequest, Usage } from '../providers/types.js';

type Counter = (text: string) => number;
let counter: Promise<Counter> | undefined;

function load(): Promise<Counter> {
  return (counter ??= import('gpt-tokenizer').then((m) => (text: string) => m.countTokens(text)));
}

/** per message, as OpenAI's chat format adds (role and separators) */
const PER_MESSAGE = 3;

export async function countUsage(req: Pick<ChatRequest, 'messages'>, completion: string): Promise<Usage> {
  const count = await load();
  let prompt = 3;
  for (const m of req.messages) {
    const content = (m as { content?: unknown }).content;
    prompt += PER_MESSAGE + count(typeof content === 'string' ? content : JSON.stringify(content ?? ''));
  }
  const completionTokens = completion.length === 0 ? 0 : count(completion);
  return { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens };
}
