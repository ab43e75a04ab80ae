/** An Anthropic Message as an OpenAI chat completion: text, tool calls, finish reason and usage. */
import type { ChatCompletion, FinishReason, ToolCall, Usage } from '../types.js';
import type { AnthropicMessage, AnthropicUsage } from './wire.js';

/**
 * Anthropic's stop_reason as OpenAI's finish_reason. `refusal` (the safety classifiers stopped
 * the answer) is `content_filter`; a stop on the JSON tool is a plain `stop`.
 */
export function finishReason(stopReason: string | null | undefined, onlyJsonTool: boolean): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return onlyJsonTool ? 'stop' : 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn
      return 'stop';
  }
}

/** Anthropic counts cached prompt tokens apart; OpenAI's prompt_tokens includes them. */
export function toUsage(u: AnthropicUsage): Usage {
  const cacheRead = u.cache_read_input_tokens ?? 0;
  const prompt = (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + cacheRead;
  const completion = u.output_tokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cacheRead } };
}

export function fromAnthropicMessage(msg: AnthropicMessage, jsonTool: string | undefined): ChatCompletion {
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  let json: string | undefined;
  for (const block of msg.content) {
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    if (block.type !== 'tool_use' || typeof block.name !== 'string') continue;
    const args = JSON.stringify(block.input ?? {});
    if (block.name === jsonTool) json = args;
    else toolCalls.push({ id: block.id ?? `toolu_${toolCalls.length}`, type: 'function', function: { name: block.name, arguments: args } });
  }
  // The JSON tool's input is the answer; any text Claude wrote before it is preamble.
  const content = json ?? (texts.length > 0 || toolCalls.length === 0 ? texts.join('') : null);
  return {
    id: msg.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: msg.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
        finish_reason: finishReason(msg.stop_reason, toolCalls.length === 0),
        logprobs: null,
      },
    ],
    usage: toUsage(msg.usage ?? {}),
  };
}
