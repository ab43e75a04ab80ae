/**
 * Runs a plan: orders its targets by the route's strategy, then tries them within the route's
 * attempt budget. A failure that `fallback_on` allows moves on to the next target; after a full
 * round, the next round waits (backoff with full jitter, at least the upstream's Retry-After).
 * Targets with an open circuit are skipped. With hedging, a slow first call gets company from
 * the next target; the first good answer wins and the other is aborted. A stream is committed to
 * a target only once it has produced content; a failure after that is the client's to see.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Abort, abortSignal, type Signal } from '../abort.js';
import { PolymathError, toPolymathError } from '../errors.js';
import type { ChatRequest, ChatResult, ContentIntent, EmbedRequest, EmbedResult, Usage } from '../providers/types.js';
import { attempt, HEDGE_LOST, openStream, trackStream, type CallKind, type OpenStream } from './attempt.js';
import type { RequestMeta } from './meta.js';
import type { Plan, Target } from './plan.js';
import { RetryDelays, shouldFallback } from './policy.js';
import { StatsRegistry, type BreakerOptions } from './stats.js';
import { orderTargets } from './strategies/index.js';

export interface RunContext {
  signal: Signal;
  requestId: string;
  intent?: ContentIntent;
  /** what conditional and sticky routing read: headers, body, API key */
  meta?: RequestMeta;
}

export interface Outcome<T> {
  value: T;
  target: Target;
  /** how many calls were made, the successful one included */
  attempts: number;
  /** tokens spent by a hedge's aborted call (prompt tokens estimated from the request) */
  hedgeUsage?: Usage;
}

type RaceResult<T> =
  | { ok: true; value: T; target: Target; started: number; loserUsage?: Usage }
  | { ok: false; errors: Array<[Target, PolymathError]>; started: number; fatal?: PolymathError };

export class Executor {
  readonly stats: StatsRegistry;

  constructor(breaker: BreakerOptions = { failures: 5, halfOpenAfterMs: 10_000 }) {
    this.stats = new StatsRegistry(breaker);
  }

  chat(plan: Plan, req: ChatRequest, run: RunContext): Promise<Outcome<ChatResult>> {
    return this.run(plan, run, chatKind(req), req);
  }

  embed(plan: Plan, req: EmbedRequest, run: RunContext): Promise<Outcome<EmbedResult>> {
    return this.run(plan, run, embedKind(req), req);
  }

  stream(plan: Plan, req: ChatRequest, run: RunContext): Promise<Outcome<OpenStream>> {
    return this.run(plan, run, streamKind(req, run.signal), req);
  }

  private async run<T>(plan: Plan, run: RunContext, kind: CallKind<T>, req: object): Promise<Outcome<T>> {
    const targets = orderTargets(plan.node, run);
    if (targets.length === 0) throw new PolymathError('no_healthy_target', `route "${plan.node.name}" has no enabled target (check its flags)`);
    const budget = plan.retry.attempts;
    let attempts = 0;
    let last: PolymathError | undefined;
    const failures: string[] = [];
    let delays: RetryDelays | undefined;
    const fail = (t: Target, err: PolymathError) => {
      last = err;
      if (failures.length < 20) failures.push(`${t.provider.id}/${t.model}: ${err.message}`);
    };

    for (;;) {
      let tried = 0;
      let retryAfterMs = Infinity;
      if (plan.hedge) {
        const r = await this.race(targets, plan.hedge, budget - attempts, kind, run, req);
        attempts += r.started;
        tried = r.started;
        if (r.ok) return { value: r.value, target: r.target, attempts, ...(r.loserUsage ? { hedgeUsage: r.loserUsage } : {}) };
        for (const [t, err] of r.errors) {
          fail(t, err);
          retryAfterMs = Math.min(retryAfterMs, (err.details.retryAfter ?? 0) * 1000);
        }
        if (r.fatal) throw finalError(r.fatal, failures);
      } else {
        for (let i = 0; i < targets.length && attempts < budget; i++) {
          if (run.signal.aborted) throw new PolymathError('client_closed', 'the client closed the request');
          const t = targets[i];
          if (!t.stats.admits()) continue;
          tried++;
          attempts++;
          try {
            const value = await attempt(t, kind, run.signal, run.requestId, run.intent, undefined);
            return { value, target: t, attempts };
          } catch (err) {
            const pe = toPolymathError(err);
            fail(t, pe);
            if (pe.kind === 'client_closed' || !shouldFallback(pe, t.fallbackOn)) throw finalError(pe, failures);
            retryAfterMs = Math.min(retryAfterMs, (pe.details.retryAfter ?? 0) * 1000);
          }
        }
      }
      if (tried === 0 && !last) {
        throw new PolymathError('no_healthy_target', `every target of "${plan.node.name}" has an open circuit; retry shortly`, { retryAfter: 1 });
      }
      if (attempts >= budget || tried === 0) break;
      delays ??= new RetryDelays(plan.retry.baseMs, plan.retry.maxMs);
      const wait = delays.next(retryAfterMs === Infinity ? 0 : retryAfterMs, plan.retry.maxRetryAfterMs);
      if (wait === undefined) break;
      try {
        await sleep(wait, undefined, { signal: abortSignal(run.signal) });
      } catch {
        throw new PolymathError('client_closed', 'the client closed the request');
      }
    }
    throw finalError(last!, failures);
  }

  /**
   * A hedged round: calls the first target; each time the latest call has not answered within the
   * hedge delay (fixed, or that target's p95), or a call fails, calls the next target too, within
   * the attempt budget. The first success wins and every other call still running is aborted
   * (their prompt tokens are estimated for metering). A failure that may not fall back ends the
   * round at once.
   */
  private race<T>(targets: Target[], hedge: NonNullable<Plan['hedge']>, budget: number, kind: CallKind<T>, run: RunContext, req: object): Promise<RaceResult<T>> {
    return new Promise((resolve) => {
      const live = new Set<Abort>();
      const errors: Array<[Target, PolymathError]> = [];
      let next = 0;
      let started = 0;
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const end = (result: RaceResult<T>) => {
        done = true;
        clearTimeout(timer);
        for (const c of live) c.abort(HEDGE_LOST);
        resolve(result);
      };
      const launch = () => {
        clearTimeout(timer);
        if (done) return;
        while (next < targets.length && !targets[next].stats.admits()) next++;
        if (next >= targets.length || started >= budget || run.signal.aborted) {
          if (live.size === 0) end({ ok: false, errors, started });
          return;
        }
        const t = targets[next++];
        const ctrl = new Abort();
        live.add(ctrl);
        started++;
        attempt(t, kind, run.signal, run.requestId, run.intent, ctrl).then(
          (value) => {
            live.delete(ctrl);
            if (done) return kind.discard(value);
            const losers = live.size;
            end({ ok: true, value, target: t, started, loserUsage: losers > 0 ? scaleUsage(estimatePrompt(req), losers) : undefined });
          },
          (err: unknown) => {
            live.delete(ctrl);
            if (done) return;
            const pe = toPolymathError(err);
            errors.push([t, pe]);
            if (pe.kind === 'client_closed' || !shouldFallback(pe, t.fallbackOn)) return end({ ok: false, errors, started, fatal: pe });
            launch();
          },
        );
        timer = setTimeout(launch, hedge.p95 ? (t.stats.p95Ms ?? hedge.afterMs) : hedge.afterMs);
      };
      launch();
    });
  }
}

/** The error the client sees: an upstream 429 stays a 429 with its Retry-After; several failures are listed. */
function finalError(last: PolymathError, failures: string[]): PolymathError {
  const kind = last.kind === 'upstream_error' && last.details.upstreamStatus === 429 ? 'rate_limited' : last.kind;
  if (failures.length <= 1 && kind === last.kind) return last;
  const message = failures.length > 1 ? `all ${failures.length} attempts failed: ${failures.join('; ')}` : last.message;
  return new PolymathError(kind, message, { ...last.details, cause: last });
}

/** A rough prompt size (4 characters a token) for a call that was aborted before it reported usage. */
function estimatePrompt(req: object): Usage {
  const messages = (req as { messages?: Array<{ content?: unknown }> }).messages;
  let chars = 0;
  if (messages) for (const m of messages) chars += typeof m.content === 'string' ? m.content.length : JSON.stringify(m.content ?? '').length;
  else chars = JSON.stringify((req as { input?: unknown }).input ?? '').length;
  const tokens = Math.ceil(chars / 4);
  return { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens };
}

function scaleUsage(u: Usage, n: number): Usage {
  return { prompt_tokens: u.prompt_tokens * n, completion_tokens: u.completion_tokens * n, total_tokens: u.total_tokens * n };
}

function chatKind(req: ChatRequest): CallKind<ChatResult> {
  return {
    call: (t, ctx) => t.provider.chat(req, ctx),
    commit: (value, finish) => {
      finish(undefined);
      return value;
    },
    discard: () => {},
  };
}

function embedKind(req: EmbedRequest): CallKind<EmbedResult> {
  return {
    call: (t, ctx) => {
      if (!t.provider.embed) throw new PolymathError('invalid_request', `provider "${t.provider.id}" does not serve embeddings`, { param: 'model' });
      return t.provider.embed(req, ctx);
    },
    commit: (value, finish) => {
      finish(undefined);
      return value;
    },
    discard: () => {},
  };
}

function streamKind(req: ChatRequest, signal: Signal): CallKind<OpenStream> {
  return {
    call: (t, ctx, phases) => openStream(t.provider.stream(req, ctx), phases, t.provider.id),
    commit: (value, finish, t) => trackStream(value, finish, t.provider.id, signal),
    discard: (value) => void value.rest.return?.().catch(() => {}),
  };
}
