/**
 * Per-key requests and tokens per minute on the shared state's window limiters (in memory, or
 * rate-limiter-flexible on Redis): a fixed one-minute window per key. Tokens are taken at the
 * request's estimate before the call and corrected to the real count after. Answers carry OpenAI's `x-ratelimit-*` headers; a refusal is
 * 429 `rate_limit_exceeded` with `Retry-After`.
 */
import { PolymathError } from '../errors.js';
import type { ApiKey } from './keys.js';
import { andThen, type Maybe } from '../maybe.js';
import type { SharedState, WindowCount, WindowLimiter } from './state.js';

export type RateHeaders = Record<string, string>;

export interface TokenHold {
  keyId: string;
  limiter: WindowLimiter;
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
  rpm?: WindowLimiter;
  tpm?: WindowLimiter;
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
   * Counts one request; throws (or rejects) rate_limited past the key's rpm. Writes the request
   * headers into `headers`. In memory it answers at once: no promise on the request path.
   */
  request(key: ApiKey, headers: RateHeaders): Maybe<void> {
    const limiter = this.limiters(key).rpm;
    const rpm = key.rpm;
    if (!limiter || rpm === null) return;
    return andThen(limiter.consume(key.id, 1), (c) => {
      writeHeaders(headers, 'requests', rpm, c);
      if (c.consumed > rpm) throw limited(`requests per minute (${rpm})`, c.msBeforeNext);
    });
  }

  /** Takes `estimate` tokens; throws (or rejects) rate_limited past the key's tpm, and gives them back. */
  tokens(key: ApiKey, estimate: number, headers: RateHeaders): Maybe<TokenHold | null> {
    const limiter = this.limiters(key).tpm;
    const tpm = key.tpm;
    if (!limiter || tpm === null) return null;
    const taken = Math.min(Math.max(1, Math.ceil(estimate)), tpm);
    return andThen(limiter.consume(key.id, taken), (c): Maybe<TokenHold> => {
      writeHeaders(headers, 'tokens', tpm, c);
      if (c.consumed <= tpm) return { keyId: key.id, limiter, taken, settled: false };
      const err = limited(`tokens per minute (${tpm})`, c.msBeforeNext);
      const back = limiter.adjust(key.id, -taken);
      if (back instanceof Promise) return back.then(() => Promise.reject(err), () => Promise.reject(err));
      throw err;
    });
  }

  /** Corrects the tokens taken to the real count, once. */
  settle(hold: TokenHold, used: number): void {
    if (hold.settled) return;
    hold.settled = true;
    const delta = Math.round(used) - hold.taken;
    if (delta === 0) return;
    const done = hold.limiter.adjust(hold.keyId, delta);
    if (done instanceof Promise) done.catch(() => {});
  }
}

const NAMES = {
  requests: ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'],
  tokens: ['x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
} as const;

function writeHeaders(headers: RateHeaders, what: keyof typeof NAMES, limit: number, c: WindowCount): void {
  const [l, remaining, reset] = NAMES[what];
  headers[l] = String(limit);
  headers[remaining] = String(Math.max(limit - c.consumed, 0));
  headers[reset] = formatReset(c.msBeforeNext);
}

function limited(what: string, msBeforeNext: number): PolymathError {
  return new PolymathError('rate_limited', `Rate limit reached for this API key: ${what}. Retry after ${formatReset(msBeforeNext)}.`, {
    code: 'rate_limit_exceeded',
    retryAfter: Math.max(1, Math.ceil(msBeforeNext / 1000)),
  });
}
