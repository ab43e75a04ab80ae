/**
 * Errors are values with a kind. Every layer throws a PolymathError; `server/errors.ts` maps the
 * kind to an HTTP status and OpenAI's error JSON in one place.
 */
export type ErrorKind =
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'model_not_found'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'invalid_output'
  | 'rate_limited'
  | 'budget_exceeded'
  | 'no_provider'
  | 'no_healthy_target'
  | 'queue_full'
  | 'upstream_error'
  | 'upstream_invalid'
  | 'upstream_timeout'
  | 'upstream_unreachable'
  | 'client_closed'
  | 'internal';

export interface ErrorDetails {
  /** the request field at fault, as OpenAI's `param` */
  param?: string | null;
  /** a machine-readable code, as OpenAI's `code` */
  code?: string | null;
  /** HTTP status the upstream answered with, when the error came from one */
  upstreamStatus?: number;
  /** seconds the upstream asked us to wait (Retry-After) */
  retryAfter?: number;
  /** the provider (configured name) that failed */
  provider?: string;
  cause?: unknown;
}

export class PolymathError extends Error {
  readonly kind: ErrorKind;
  readonly details: ErrorDetails;

  constructor(kind: ErrorKind, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'PolymathError';
    this.kind = kind;
    this.details = details;
  }
}

export function isPolymathError(err: unknown): err is PolymathError {
  return err instanceof PolymathError;
}

/** Turns anything thrown into a PolymathError without losing one that already is. */
export function toPolymathError(err: unknown, fallbackKind: ErrorKind = 'internal'): PolymathError {
  if (err instanceof PolymathError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PolymathError(fallbackKind, message, { cause: err });
}
