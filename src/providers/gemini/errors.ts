/**
 * Gemini's errors as PolymathErrors. A non-2xx answer carries
 * `{"error":{"code":429,"message":"...","status":"RESOURCE_EXHAUSTED","details":[...]}}`; a 429 says
 * when to retry in a `google.rpc.RetryInfo` detail (`"retryDelay":"20s"`) rather than a header.
 * All become `upstream_error` with the upstream status, so the executor falls back on 429 and 5xx.
 *
 * Safety blocks are answered with HTTP 200: the prompt (`promptFeedback.blockReason`) or the answer
 * (`finishReason` SAFETY, PROHIBITED_CONTENT, ...) was blocked. They become `invalid_request`
 * (HTTP 400) with code `content_filter`: the client's content is what to change, and another
 * attempt with the same content would be blocked again.
 */
import { PolymathError } from '../../errors.js';
import { upstreamStatusError } from '../http-errors.js';
import type { GeminiResponse } from './wire.js';

/** finishReasons meaning the answer was withheld by a filter. */
export const BLOCKED_FINISH = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']);

interface GoogleError {
  code?: number;
  message?: string;
  status?: string;
  details?: Array<{ '@type'?: string; retryDelay?: string }>;
}

export function geminiStatusError(provider: string) {
  return (status: number, bodyText: string, headers: Record<string, string | string[] | undefined>): PolymathError => {
    const error = readError(bodyText);
    const retryDelay = error?.details?.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay;
    const retryAfter = headers['retry-after'] ?? (retryDelay ? String(Number.parseFloat(retryDelay)) : undefined);
    const base = upstreamStatusError(provider, status, bodyText, retryAfter);
    if (!error?.message) return base;
    return new PolymathError(base.kind, `${provider} returned HTTP ${status}${error.status ? ` ${error.status}` : ''}: ${error.message}`, base.details);
  };
}

/** An `{"error":{...}}` object sent inside a 200 stream. */
export function geminiStreamError(provider: string, error: NonNullable<GeminiResponse['error']>): PolymathError {
  const status = typeof error.code === 'number' ? error.code : 500;
  return new PolymathError('upstream_error', `${provider} reported ${error.status ?? 'an error'} in the stream: ${error.message ?? 'no message'}`, {
    provider,
    upstreamStatus: status,
    code: `upstream_${status}`,
  });
}

export function promptBlocked(provider: string, feedback: NonNullable<GeminiResponse['promptFeedback']>): PolymathError {
  const why = feedback.blockReasonMessage ? `: ${feedback.blockReasonMessage}` : '';
  return new PolymathError('invalid_request', `${provider} blocked the prompt (${feedback.blockReason})${why}`, { provider, code: 'content_filter', param: 'messages' });
}

export function answerBlocked(provider: string, finishReason: string): PolymathError {
  return new PolymathError('invalid_request', `${provider} withheld the answer (finishReason ${finishReason})`, { provider, code: 'content_filter', param: 'messages' });
}

function readError(text: string): GoogleError | undefined {
  try {
    const body = JSON.parse(text) as { error?: GoogleError } | Array<{ error?: GoogleError }>;
    // Google APIs sometimes wrap the error object in an array.
    const error = Array.isArray(body) ? body[0]?.error : body.error;
    return error && typeof error === 'object' ? error : undefined;
  } catch {
    return undefined;
  }
}
