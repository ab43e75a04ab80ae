/** A Gemini generateContent answer as an OpenAI chat completion: one choice per candidate. */
import { PolymathError } from '../../errors.js';
import type { ChatCompletion, FinishReason, ToolCall, Usage } from '../types.js';
import { answerBlocked, BLOCKED_FINISH, promptBlocked } from './errors.js';
import type { GeminiCandidate, GeminiResponse, GeminiUsage } from './wire.js';

/** Gemini's finishReason as OpenAI's; blocked answers are handled before this (see errors.ts). */
export function finishReason(reason: string | undefined, hasToolCalls: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason !== undefined && BLOCKED_FINISH.has(reason)) return 'content_filter';
  return hasToolCalls ? 'tool_calls' : 'stop';
}

/** Thinking tokens are billed as output, so they count as completion tokens (and reasoning tokens). */
export function toUsage(u: GeminiUsage | undefined): Usage {
  const prompt = u?.promptTokenCount ?? 0;
  const thoughts = u?.thoughtsTokenCount ?? 0;
  const completion = (u?.candidatesTokenCount ?? 0) + thoughts;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: u?.totalTokenCount ?? prompt + completion,
    prompt_tokens_details: { cached_tokens: u?.cachedContentTokenCount ?? 0 },
    completion_tokens_details: { reasoning_tokens: thoughts },
  };
}

/** The answer text and function calls of a candidate; thought summaries are left out. */
export function candidateParts(c: GeminiCandidate, newCallId: () => string): { text: string; toolCalls: ToolCall[] } {
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const part of c.content?.parts ?? []) {
    if (part.thought) continue;
    if (typeof part.text === 'string') text += part.text;
    if (part.functionCall) {
      toolCalls.push({ id: part.functionCall.id ?? newCallId(), type: 'function', function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) } });
    }
  }
  return { text, toolCalls };
}

export function newCallId(): string {
  return `call_${crypto.randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

export function fromGeminiResponse(res: GeminiResponse, model: string, provider: string): ChatCompletion {
  const candidates = res.candidates ?? [];
  if (res.promptFeedback?.blockReason) throw promptBlocked(provider, res.promptFeedback);
  if (candidates.length === 0) throw new PolymathError('upstream_invalid', `${provider} answered without candidates`, { provider });
  if (candidates.every((c) => c.finishReason !== undefined && BLOCKED_FINISH.has(c.finishReason))) throw answerBlocked(provider, candidates[0].finishReason!);
  if (candidates.some((c) => c.finishReason === 'MALFORMED_FUNCTION_CALL')) {
    throw new PolymathError('upstream_invalid', `${provider} produced a malformed function call`, { provider });
  }
  return {
    id: res.responseId ?? `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: res.modelVersion ?? model,
    choices: candidates.map((c, i) => {
      const { text, toolCalls } = candidateParts(c, newCallId);
      return {
        index: c.index ?? i,
        message: {
          role: 'assistant' as const,
          content: text.length > 0 || toolCalls.length === 0 ? text : null,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: finishReason(c.finishReason, toolCalls.length > 0),
        logprobs: null,
      };
    }),
    usage: toUsage(res.usageMetadata),
  };
}
