/**
 * streamGenerateContent?alt=sse as OpenAI chunks. Each SSE event is a whole GenerateContentResponse
 * holding the next piece of each candidate; there is no closing event, the body just ends.
 *
 *   the first piece of a candidate → a delta with the assistant role
 *   text parts                    → content deltas
 *   functionCall parts            → whole tool_calls deltas (Gemini sends each call complete)
 *   finishReason                  → the chunk with finish_reason
 *   end of body                   → the usage chunk (last usageMetadata), with stream_options.include_usage
 *
 * A blocked prompt, or a candidate blocked before any of it was sent, is thrown (see errors.ts) so
 * the client gets an error instead of an empty answer; a candidate blocked after part of it was
 * sent ends with finish_reason `content_filter`, as OpenAI ends a filtered stream.
 */
import { PolymathError } from '../../errors.js';
import { parseObject } from '../upstream-http.js';
import type { ChatChunk, StreamEvent } from '../types.js';
import { answerBlocked, BLOCKED_FINISH, geminiStreamError, promptBlocked } from './errors.js';
import { candidateParts, finishReason, newCallId, toUsage } from './translate-response.js';
import type { GeminiResponse, GeminiUsage } from './wire.js';

export interface StreamOptions {
  provider: string;
  model: string;
  includeUsage: boolean;
}

/** Candidates tracked per stream; candidateCount is at most 8 at Gemini. */
const MAX_CANDIDATES = 128;

interface CandidateState {
  started: boolean;
  toolCount: number;
}

export async function* translateGeminiStream(events: AsyncIterable<{ data: string }>, opts: StreamOptions): AsyncGenerator<StreamEvent> {
  let id: string | undefined;
  let model = opts.model;
  const created = Math.floor(Date.now() / 1000);
  let usage: GeminiUsage | undefined;
  const candidates = new Map<number, CandidateState>();

  const chunk = (choices: ChatChunk['choices']): StreamEvent => ({
    chunk: { id: id!, object: 'chat.completion.chunk', created, model, choices, ...(opts.includeUsage ? { usage: null } : {}) },
  });

  for await (const sse of events) {
    const res = parseObject<GeminiResponse>(sse.data, opts.provider);
    if (res.error) throw geminiStreamError(opts.provider, res.error);
    if (res.promptFeedback?.blockReason) throw promptBlocked(opts.provider, res.promptFeedback);
    id ??= res.responseId ?? `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`;
    if (res.modelVersion) model = res.modelVersion;
    if (res.usageMetadata) usage = res.usageMetadata;

    for (const [i, c] of (res.candidates ?? []).entries()) {
      const index = c.index ?? i;
      let state = candidates.get(index);
      if (!state) {
        if (candidates.size >= MAX_CANDIDATES) throw new PolymathError('upstream_invalid', `${opts.provider} streamed more than ${MAX_CANDIDATES} candidates`, { provider: opts.provider });
        state = { started: false, toolCount: 0 };
        candidates.set(index, state);
      }
      const blocked = c.finishReason !== undefined && BLOCKED_FINISH.has(c.finishReason);
      if (blocked && !state.started) throw answerBlocked(opts.provider, c.finishReason!);
      if (c.finishReason === 'MALFORMED_FUNCTION_CALL') throw new PolymathError('upstream_invalid', `${opts.provider} produced a malformed function call`, { provider: opts.provider });

      const { text, toolCalls } = candidateParts(c, newCallId);
      const delta: ChatChunk['choices'][number]['delta'] = {};
      if (!state.started) delta.role = 'assistant';
      if (text) delta.content = text;
      if (toolCalls.length > 0) delta.tool_calls = toolCalls.map((call) => ({ index: state.toolCount++, ...call }));
      if (text || toolCalls.length > 0) {
        if (!state.started && !text) delta.content = null;
        state.started = true;
        yield chunk([{ index, delta, finish_reason: null, logprobs: null }]);
      }
      if (c.finishReason) {
        // a candidate that finished with no text at all still gets its role
        const last: ChatChunk['choices'][number]['delta'] = state.started ? {} : { role: 'assistant', content: '' };
        state.started = true;
        yield chunk([{ index, delta: last, finish_reason: finishReason(c.finishReason, state.toolCount > 0), logprobs: null }]);
      }
    }
  }
  if (opts.includeUsage && id !== undefined) yield { chunk: { ...chunk([]).chunk, usage: toUsage(usage) } };
}
