/**
 * Builds OpenAI shapes from a piece of text, for every provider whose upstream answers with text
 * rather than an OpenAI response (a user's script or HTTP generator, the WordNet library, ...):
 * `completionFromText` makes a `chat.completion`, `chunksFromCompletion` streams any completion
 * as chunks (role + content, then the finish, then usage when the client asked for it).
 *
 * Token counts are estimates, not a tokenizer's: ceil(characters / 4), OpenAI's own rule of
 * thumb for English, counted over the text of every message (prompt) and of the answer.
 */
import type { ChatChunk, ChatCompletion, ChatMessage, ChatRequest, FinishReason, StreamEvent, Usage } from './types.js';

export interface TextCompletionOptions {
  /** the model name the answer reports */
  model: string;
  /** the request's messages, to estimate prompt tokens */
  messages?: readonly ChatMessage[];
  /** defaults to `chatcmpl-<random>` */
  id?: string;
  /** unix seconds; defaults to now */
  created?: number;
  finishReason?: FinishReason;
  /** real counts when the source knows them; estimated otherwise */
  usage?: Usage;
}

/** ceil(characters / 4): an estimate, good enough for metering a source with no tokenizer. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The text of one message: its string content, or the text parts of an array content. */
export function messageText(message: ChatMessage): string {
  const c = message.content;
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) return '';
  return c
    .map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : ''))
    .filter((t) => t.length > 0)
    .join('\n');
}

/** The text of the last user message, or '' when there is none. */
export function lastUserText(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === 'user') return messageText(messages[i]);
  }
  return '';
}

export function estimateUsage(messages: readonly ChatMessage[], answer: string): Usage {
  const prompt = messages.reduce((n, m) => n + estimateTokens(messageText(m)), 0);
  const completion = estimateTokens(answer);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function newCompletionId(): string {
  return `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`;
}

export function completionFromText(text: string, opts: TextCompletionOptions): ChatCompletion {
  return {
    id: opts.id ?? newCompletionId(),
    object: 'chat.completion',
    created: opts.created ?? Math.floor(Date.now() / 1000),
    model: opts.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: opts.finishReason ?? 'stop', logprobs: null }],
    usage: opts.usage ?? estimateUsage(opts.messages ?? [], text),
  };
}

/**
 * Streams a finished completion as OpenAI chunks: for each choice one chunk with the role and the
 * whole content (and tool calls), then one with its finish reason; then, when the request asked
 * for `stream_options.include_usage`, a last chunk with no choices and the usage.
 */
export function* chunksFromCompletion(completion: ChatCompletion, req?: Pick<ChatRequest, 'stream_options'>): Generator<StreamEvent> {
  const base = { id: completion.id, object: 'chat.completion.chunk' as const, created: completion.created, model: completion.model };
  const includeUsage = req?.stream_options?.include_usage === true;
  const chunk = (choices: ChatChunk['choices']): StreamEvent => ({ chunk: { ...base, choices, ...(includeUsage ? { usage: null } : {}) } });
  for (const choice of completion.choices) {
    const { content, tool_calls: toolCalls, refusal } = choice.message;
    const delta: ChatChunk['choices'][number]['delta'] = { role: 'assistant', content: content ?? '' };
    if (refusal) delta.refusal = refusal;
    if (toolCalls?.length) delta.tool_calls = toolCalls.map((tc, index) => ({ index, ...tc }));
    yield chunk([{ index: choice.index, delta, finish_reason: null, logprobs: null }]);
    yield chunk([{ index: choice.index, delta: {}, finish_reason: choice.finish_reason ?? 'stop', logprobs: null }]);
  }
  if (includeUsage && completion.usage) yield { chunk: { ...base, choices: [], usage: completion.usage } };
}
