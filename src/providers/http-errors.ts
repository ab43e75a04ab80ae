/** Maps what an upstream HTTP call threw or answered to a PolymathError. */
import { errors as undiciErrors } from 'undici';
import type { AbortState } from '../abort.js';
import { PolymathError } from '../errors.js';

/** The longest upstream error body we read, to quote its message. */
export const MAX_ERROR_BODY = 64 * 1024;

/** An upstream error answer: the status and the upstream's own message, whatever its error shape. */
export function upstreamStatusError(provider: string, status: number, bodyText: string, retryAfter?: string | string[]): PolymathError {
  const message = extractMessage(bodyText) ?? (bodyText.slice(0, 500) || 'no body');
  const seconds = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  return new PolymathError('upstream_error', `${provider} returned HTTP ${status}: ${message}`, {
    provider,
    upstreamStatus: status,
    code: `upstream_${status}`,
    ...(seconds !== undefined ? { retryAfter: seconds } : {}),
  });
}

/** A thrown network error: timeouts, refused connections, resets, or our own abort. */
export function networkError(provider: string, err: unknown, signal: AbortState): PolymathError {
  if (err instanceof PolymathError) return err;
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof PolymathError) return reason;
    if (reason instanceof Error && reason.name === 'TimeoutError') {
      return new PolymathError('upstream_timeout', `${provider} did not answer in time`, { provider, cause: err });
    }
    return new PolymathError('client_closed', 'the client closed the request', { provider, cause: err });
  }
  if (
    err instanceof undiciErrors.ConnectTimeoutError ||
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    (err instanceof Error && err.name === 'TimeoutError')
  ) {
    return new PolymathError('upstream_timeout', `${provider} did not answer in time`, { provider, cause: err });
  }
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') {
    return new PolymathError('upstream_unreachable', `${provider} is unreachable (${code})`, { provider, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new PolymathError('upstream_error', `${provider} connection failed: ${message}`, { provider, cause: err });
}

function extractMessage(text: string): string | undefined {
  try {
    // Wire boundary: OpenAI, Anthropic and Gemini all put a message under `error`.
    const body = JSON.parse(text) as any;
    const msg = body?.error?.message ?? body?.message ?? (typeof body?.error === 'string' ? body.error : undefined);
    return typeof msg === 'string' ? msg : undefined;
  } catch {
    return undefined;
  }
}

function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** Reads a body to text, failing past `max` bytes (or, with `truncate`, keeping the first `max`). */
export async function readCapped(body: AsyncIterable<Uint8Array>, max: number, provider: string, truncate = false): Promise<string> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of body) {
    size += part.byteLength;
    if (size > max) {
      if (!truncate) throw new PolymathError('upstream_invalid', `${provider} sent a body larger than ${max} bytes`, { provider });
      parts.push(part.subarray(0, part.byteLength - (size - max)));
      break;
    }
    parts.push(part);
  }
  return Buffer.concat(parts).toString('utf8');
}
