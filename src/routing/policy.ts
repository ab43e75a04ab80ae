/**
 * Which failures move on to the next target (per route, `fallback_on`), and the delay before a
 * retry round: exponential backoff with full jitter (cockatiel's generator), stretched to honour
 * an upstream's Retry-After up to a cap.
 */
import { ExponentialBackoff, fullJitterGenerator, type IBackoff } from 'cockatiel';
import type { RouteConfig } from '../config/index.js';
import type { PolymathError } from '../errors.js';

export interface FallbackRule {
  kinds: ReadonlySet<string>;
  statuses: ReadonlySet<number>;
  any4xx: boolean;
  any5xx: boolean;
}

const DEFAULT_ON: RouteConfig['fallback_on'] = {
  kinds: ['upstream_error', 'upstream_invalid', 'upstream_timeout', 'upstream_unreachable', 'rate_limited', 'queue_full', 'no_healthy_target', 'not_found'],
  statuses: [408, 409, 429, '5xx'],
};

export function fallbackRule(on: RouteConfig['fallback_on'] | undefined): FallbackRule {
  const cfg = on ?? DEFAULT_ON;
  return {
    kinds: new Set(cfg.kinds),
    statuses: new Set(cfg.statuses.filter((s): s is number => typeof s === 'number')),
    any4xx: cfg.statuses.includes('4xx'),
    any5xx: cfg.statuses.includes('5xx'),
  };
}

const DEFAULT_RULE = fallbackRule(undefined);

/** Whether this failure lets the next target (or a retry) be tried. Defaults: timeouts, 429, 5xx, connection errors; not 400/401. */
export function shouldFallback(err: PolymathError, rule: FallbackRule = DEFAULT_RULE): boolean {
  if (!rule.kinds.has(err.kind)) return false;
  if (err.kind !== 'upstream_error') return true;
  const status = err.details.upstreamStatus;
  if (status === undefined) return true;
  return rule.statuses.has(status) || (rule.any5xx && status >= 500) || (rule.any4xx && status >= 400 && status < 500);
}

/** The delays between retry rounds of one request. */
export class RetryDelays {
  private readonly factory: ExponentialBackoff<number>;
  private backoff: IBackoff<unknown> | undefined;

  constructor(baseMs: number, maxMs: number) {
    this.factory = new ExponentialBackoff({ generator: fullJitterGenerator, initialDelay: baseMs, maxDelay: maxMs });
  }

  /**
   * The wait before the next round, or undefined when the upstream asked for a longer wait than
   * `maxRetryAfterMs` (then the error goes back to the client with its Retry-After).
   */
  next(retryAfterMs: number, maxRetryAfterMs: number): number | undefined {
    if (retryAfterMs > maxRetryAfterMs) return undefined;
    this.backoff = this.backoff ? this.backoff.next(undefined as never) : this.factory.next();
    return Math.max(this.backoff.duration, retryAfterMs);
  }
}
