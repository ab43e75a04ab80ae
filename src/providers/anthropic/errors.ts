/**
 * Anthropic's errors as PolymathErrors. A non-2xx answer carries
 * `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`; a stream that
 * already started reports the same object as an `error` event. Both become `upstream_error` with
 * the upstream status (for a stream event, the status its error type stands for), so the executor
 * falls back on 429, 5xx and 529 (overloaded) and not on the client's own 4xx.
 */
import { PolymathError } from '../../errors.js';
import { upstreamStatusError } from '../http-errors.js';
import type { AnthropicErrorBody } from './wire.js';

/** The HTTP status each Anthropic error type is sent with. */
const STATUS_OF_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export function anthropicStatusError(provider: string) {
  return (status: number, bodyText: string, headers: Record<string, string | string[] | undefined>): PolymathError => {
    const base = upstreamStatusError(provider, status, bodyText, headers['retry-after']);
    const error = readError(bodyText);
    if (!error) return base;
    return new PolymathError(base.kind, `${provider} returned HTTP ${status} ${error.type}: ${error.message}`, base.details);
  };
}

/** The `error` event of a stream. */
export function anthropicStreamError(provider: string, data: string): PolymathError {
  const error = readError(data) ?? { type: 'api_error', message: data.slice(0, 500) };
  const status = STATUS_OF_TYPE[error.type] ?? 500;
  return new PolymathError('upstream_error', `${provider} reported ${error.type} in the stream: ${error.message}`, {
    provider,
    upstreamStatus: status,
    code: `upstream_${status}`,
  });
}

function readError(text: string): AnthropicErrorBody['error'] | undefined {
  try {
    const body = JSON.parse(text) as Partial<AnthropicErrorBody>;
    const e = body.error;
    if (e && typeof e.type === 'string' && typeof e.message === 'string') return { type: e.type, message: e.message };
  } catch {
    // not JSON: the generic mapping quotes the text
  }
  return undefined;
}
