/**
 * Per-key requests and tokens per minute, on rate-limiter-flexible (memory or Redis): a fixed
 * one-minute window per key. Tokens are taken at the request's estimate before the call and
 * corrected to the real count after. Answers carry OpenAI's `x-ratelimit-*` headers; a refusal is
 * 429 `rate_limit_exceeded` with `Retry-After`.
 */
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { PolymathError } from '../errors.js';
import type { ApiKey } from './keys.js';
import type { SharedState } from './state.js';
import { guard } from './state.js';

export type RateHeaders = Record<string, string>;

export interface TokenHold {
  keyId: string;
  limiter: RateLimiterAbstract;
  taken: number;
  settled: boolean;
}

/** OpenAI's reset format: `20ms`, `17s`, `6m0s` (rounded up). */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${ms > 0 ? Math.ceil(ms) : 0}ms`;
  const s = Math.ceil(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

/** Each key's limiters, found without building a name per request. */
interface KeyLimiters {
  rpm?: RateLimiterAbstract;
  tpm?: RateLimiterAbstract;
}

export class RateLimits {
  private readonly byKey = new WeakMap<ApiKey, KeyLimiters>();

  constructor(private readonly state: SharedState) {}

  private limiters(key: ApiKey): KeyLimiters {
    let l = this.byKey.get(key);
    if (!l) {
      l = {
        rpm: key.rpm === null ? undefined : this.state.limiter('rpm', key.rpm, 60),
        tpm: key.tpm === null ? undefined : this.state.limiter('tpm', key.tpm, 60),
      };
      this.byKey.set(key, l);
    }
    return l;
  }

  /** Counts one request; throws rate_limited past the key's rpm. Writes the request headers into `headers`. */
  async request(key: ApiKey, headers: RateHeaders): Promise<void> {
    const limiter = this.limiters(key).rpm;
    if (!limiter || key.rpm === null) return;
    const res = await consume(limiter.consume(key.id, 1));
    headers['x-ratelimit-limit-requests'] = String(key.rpm);
    headers['x-ratelimit-remaining-requests'] = String(res.remainingPoints);
    headers['x-ratelimit-reset-requests'] = formatReset(res.msBeforeNext);
    if (res.rejected) throw limited(`requests per minute (${key.rpm})`, res.msBeforeNext);
  }

  /** Takes `estimate` tokens; throws rate_limited past the key's tpm (and gives them back). */
  async tokens(key: ApiKey, estimate: number, headers: RateHeaders): Promise<TokenHold | null> {
    const limiter = this.limiters(key).tpm;
    if (!limiter || key.tpm === null) return null;
    const taken = Math.min(Math.max(1, Math.ceil(estimate)), key.tpm);
    const res = await consume(limiter.consume(key.id, taken));
    headers['x-ratelimit-limit-tokens'] = String(key.tpm);
    headers['x-ratelimit-remaining-tokens'] = String(res.remainingPoints);
    headers['x-ratelimit-reset-tokens'] = formatReset(res.msBeforeNext);
    if (res.rejected) {
      await guard(limiter.reward(key.id, taken)).catch(() => {});
      throw limited(`tokens per minute (${key.tpm})`, res.msBeforeNext);
    }
    return { keyId: key.id, limiter, taken, settled: false };
  }

  /** Corrects the tokens taken to the real count, once. */
  settle(hold: TokenHold, used: number): void {
    if (hold.settled) return;
    hold.settled = true;
    const limiter = hold.limiter;
    const delta = Math.round(used) - hold.taken;
    if (delta > 0) limiter.penalty(hold.keyId, delta).catch(() => {});
    else if (delta < 0) limiter.reward(hold.keyId, -delta).catch(() => {});
  }
}

/** rate-limiter-flexible rejects with a RateLimiterRes when over the limit, and with an Error when its store fails. */
async function consume(p: Promise<RateLimiterRes>): Promise<RateLimiterRes & { rejected: boolean }> {
  try {
    return Object.assign(await p, { rejected: false });
  } catch (err) {
    if (err instanceof RateLimiterRes) return Object.assign(err, { rejected: true });
    throw new PolymathError('unavailable', 'Shared state (Redis) is unreachable; retry shortly.', { cause: err, retryAfter: 1 });
  }
}

function limited(what: string, msBeforeNext: number): PolymathError {
  return new PolymathError('rate_limited', `Rate limit reached for this API key: ${what}. Retry after ${formatReset(msBeforeNext)}.`, {
    code: 'rate_limit_exceeded',
    retryAfter: Math.max(1, Math.ceil(msBeforeNext / 1000)),
  });
}
