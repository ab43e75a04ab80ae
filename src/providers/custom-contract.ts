/**
 * The contract of a custom generator, the same for a `script` and an `http` one: the JSON it is
 * sent, and the answers it may give back, turned into an OpenAI `chat.completion`.
 *
 * Sent (one object; a line of its own for a persistent script):
 *   { "id": "<request id>", "model": "default", "input": "<text of the last user message>",
 *     "messages": [...OpenAI messages], "params": {temperature, max_tokens, response_format, ...},
 *     "intent": {kind, topic, text, persona, options, schema} | null }
 * `params` holds every field of the chat request but model, messages, stream and stream_options.
 *
 * Answered (one of):
 *   { "content": "text" }                   optional: "finish_reason", "usage"; a non-string
 *                                           content (an object for a content intent) is sent as its JSON
 *   a full OpenAI chat.completion           { "choices": [{ "message": {...} }], ... }; missing fields are filled in
 *   { "error": "why" } or { "error": { "message": "why" } }   the generator declines: an upstream error
 */
import { PolymathError } from '../errors.js';
import { completionFromText, estimateUsage, lastUserText, newCompletionId } from './completion-from-text.js';
import type { CallContext, ChatCompletion, ChatRequest, ContentIntent, FinishReason, Usage } from './types.js';

export interface CustomRequest {
  id: string;
  model: string;
  input: string;
  messages: ChatRequest['messages'];
  params: Record<string, unknown>;
  intent: ContentIntent | null;
}

export function customRequest(req: ChatRequest, ctx: CallContext): CustomRequest {
  const { model: _model, messages, stream: _stream, stream_options: _so, ...params } = req;
  return { id: ctx.requestId, model: ctx.model, input: lastUserText(messages), messages, params, intent: ctx.intent ?? null };
}

const FINISH: readonly FinishReason[] = ['stop', 'length', 'tool_calls', 'content_filter', 'function_call'];

/** Parses a generator's answer text into a completion, or throws upstream_invalid / upstream_error. */
export function completionFromAnswer(text: string, provider: string, req: ChatRequest, ctx: CallContext): ChatCompletion {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const shown = text.trim().slice(0, 200) || '(nothing)';
    throw new PolymathError('upstream_invalid', `${provider} did not answer with JSON: ${shown}`, { provider });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PolymathError('upstream_invalid', `${provider} answered JSON that is not an object; expected {"content": "..."}`, { provider });
  }
  // Wire boundary: a user's generator, any JSON object.
  const answer = value as Record<string, any>;
  if (answer.error !== undefined && answer.error !== null) {
    const why = typeof answer.error === 'string' ? answer.error : typeof answer.error?.message === 'string' ? answer.error.message : JSON.stringify(answer.error);
    throw new PolymathError('upstream_error', `${provider} reported an error: ${why.slice(0, 500)}`, { provider });
  }
  if (Array.isArray(answer.choices)) return normalizeCompletion(answer, provider, req, ctx);
  if (answer.content !== undefined && answer.content !== null) {
    const content = typeof answer.content === 'string' ? answer.content : JSON.stringify(answer.content);
    return completionFromText(content, {
      model: ctx.model,
      messages: req.messages,
      finishReason: FINISH.includes(answer.finish_reason) ? answer.finish_reason : 'stop',
      usage: isUsage(answer.usage) ? answer.usage : undefined,
    });
  }
  throw new PolymathError('upstream_invalid', `${provider} answered without "content" or "choices"; expected {"content": "..."}`, { provider });
}

/** A generator's own chat.completion, checked, with whatever it left out filled in. */
function normalizeCompletion(answer: Record<string, any>, provider: string, req: ChatRequest, ctx: CallContext): ChatCompletion {
  const choices: ChatCompletion['choices'] = [];
  for (const [i, choice] of (answer.choices as unknown[]).entries()) {
    const message = (choice as { message?: Record<string, unknown> } | null)?.message;
    const content = message?.content;
    if (!message || typeof message !== 'object' || (content !== null && content !== undefined && typeof content !== 'string')) {
      throw new PolymathError('upstream_invalid', `${provider} answered a completion whose choices[${i}].message has no string content`, { provider });
    }
    const c = choice as { index?: unknown; finish_reason?: unknown };
    choices.push({
      index: typeof c.index === 'number' ? c.index : i,
      message: { ...message, role: 'assistant', content: content ?? null, refusal: typeof message.refusal === 'string' ? message.refusal : null },
      finish_reason: FINISH.includes(c.finish_reason as FinishReason) ? (c.finish_reason as FinishReason) : 'stop',
      logprobs: null,
    });
  }
  if (choices.length === 0) throw new PolymathError('upstream_invalid', `${provider} answered a completion with no choices`, { provider });
  const text = choices.map((c) => c.message.content ?? '').join('');
  return {
    ...answer,
    id: typeof answer.id === 'string' ? answer.id : newCompletionId(),
    object: 'chat.completion',
    created: Number.isInteger(answer.created) ? answer.created : Math.floor(Date.now() / 1000),
    model: typeof answer.model === 'string' ? answer.model : ctx.model,
    choices,
    usage: isUsage(answer.usage) ? answer.usage : estimateUsage(req.messages, text),
  };
}

function isUsage(u: unknown): u is Usage {
  const x = u as Partial<Usage> | null;
  return typeof x === 'object' && x !== null && Number.isInteger(x.prompt_tokens) && Number.isInteger(x.completion_tokens) && Number.isInteger(x.total_tokens);
}
