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

  /**
   * Counts one request; rejects with rate_limited past the key's rpm. Writes the request headers
   * into `headers`. One promise (the limiter's, then one `then`), not an async layer per step: it
   * runs on every request.
   */
  request(key: ApiKey, headers: RateHeaders): Promise<void> {
    const limiter = this.limiters(key).rpm;
    const rpm = key.rpm;
    if (!limiter || rpm === null) return DONE;
    return limiter.consume(key.id, 1).then(
      (res) => writeHeaders(headers, 'requests', rpm, res),
      (err: unknown) => {
        const res = refusal(err);
        writeHeaders(headers, 'requests', rpm, res);
        throw limited(`requests per minute (${rpm})`, res.msBeforeNext);
      },
    );
  }

  /** Takes `estimate` tokens; rejects with rate_limited past the key's tpm (and gives them back). */
  tokens(key: ApiKey, estimate: number, headers: RateHeaders): Promise<TokenHold | null> {
    const limiter = this.limiters(key).tpm;
    const tpm = key.tpm;
    if (!limiter || tpm === null) return NO_HOLD;
    const taken = Math.min(Math.max(1, Math.ceil(estimate)), tpm);
    return limiter.consume(key.id, taken).then(
      (res): TokenHold => {
        writeHeaders(headers, 'tokens', tpm, res);
        return { keyId: key.id, limiter, taken, settled: false };
      },
      async (err: unknown) => {
        const res = refusal(err);
        writeHeaders(headers, 'tokens', tpm, res);
        await guard(limiter.reward(key.id, taken)).catch(() => {});
        throw limited(`tokens per minute (${tpm})`, res.msBeforeNext);
      },
    );
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

const DONE: Promise<void> = Promise.resolve();
const NO_HOLD: Promise<TokenHold | null> = Promise.resolve(null);

const NAMES = {
  requests: ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'],
  tokens: ['x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
} as const;

function writeHeaders(headers: RateHeaders, what: keyof typeof NAMES, limit: number, res: RateLimiterRes): void {
  const [l, remaining, reset] = NAMES[what];
  headers[l] = String(limit);
  headers[remaining] = String(res.remainingPoints);
  headers[reset] = formatReset(res.msBeforeNext);
}

/** rate-limiter-flexible rejects with a RateLimiterRes when over the limit, and with an Error when its store fails (rethrown as 503). */
function refusal(err: unknown): RateLimiterRes {
  if (err instanceof RateLimiterRes) return err;
  throw new PolymathError('unavailable', 'Shared state (Redis) is unreachable; retry shortly.', { cause: err, retryAfter: 1 });
}

function limited(what: string, msBeforeNext: number): PolymathError {
  return new PolymathError('rate_limited', `Rate limit reached for this API key: ${what}. Retry after ${formatReset(msBeforeNext)}.`, {
    code: 'rate_limit_exceeded',
    retryAfter: Math.max(1, Math.ceil(msBeforeNext / 1000)),
  });
}
