/**
 * Runs a plan: orders its targets by the route's strategy, then tries them within the route's
 * attempt budget. A failure that `fallback_on` allows moves on to the next target; after a full
 * round, the next round waits (backoff with full jitter, at least the upstream's Retry-After).
 * Targets with an open circuit are skipped. With hedging, a slow first call gets company from
 * the next target; the first good answer wins and the other is aborted. A stream is committed to
 * a target only once it has produced content; a failure after that is the client's to see.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PolymathError, toPolymathError } from '../errors.js';
import type { ChatRequest, ChatResult, ContentIntent, EmbedRequest, EmbedResult, Usage } from '../providers/types.js';
import { attempt, HEDGE_LOST, openStream, trackStream, type CallKind, type OpenStream } from './attempt.js';
import type { RequestMeta } from './meta.js';
import type { Plan, Target } from './plan.js';
import { RetryDelays, shouldFallback } from './policy.js';
import { StatsRegistry, type BreakerOptions } from './stats.js';
import { orderTargets } from './strategies/index.js';

export interface RunContext {
  signal: AbortSignal;
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

type HedgeResult<T> = { ok: true; value: T; target: Target; loserUsage?: Usage } | { ok: false; errors: Array<[Target, PolymathError]>; backupStarted: boolean };

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
      for (let i = 0; i < targets.length && attempts < budget; i++) {
        if (run.signal.aborted) throw new PolymathError('client_closed', 'the client closed the request');
        const t = targets[i];
        if (!t.stats.admits()) continue;
        tried++;
        const backup = plan.hedge && attempts + 1 < budget ? nextAdmitted(targets, i + 1) : -1;
        if (backup !== -1) {
          attempts++;
          const delay = plan.hedge!.p95 ? (t.stats.p95Ms ?? plan.hedge!.afterMs) : plan.hedge!.afterMs;
          const r = await this.hedge(t, targets[backup], delay, kind, run, req, () => attempts++);
          if (r.ok) return { value: r.value, target: r.target, attempts, ...(r.loserUsage ? { hedgeUsage: r.loserUsage } : {}) };
          for (const [ft, err] of r.errors) {
            fail(ft, err);
            if (err.kind === 'client_closed' || !shouldFallback(err, ft.fallbackOn)) throw finalError(err, failures);
            retryAfterMs = Math.min(retryAfterMs, (err.details.retryAfter ?? 0) * 1000);
          }
          if (r.backupStarted) i = backup;
          continue;
        }
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
      if (tried === 0 && !last) {
        throw new PolymathError('no_healthy_target', `every target of "${plan.node.name}" has an open circuit; retry shortly`, { retryAfter: 1 });
      }
      if (attempts >= budget || tried === 0) break;
      delays ??= new RetryDelays(plan.retry.baseMs, plan.retry.maxMs);
      const wait = delays.next(retryAfterMs === Infinity ? 0 : retryAfterMs, plan.retry.maxRetryAfterMs);
      if (wait === undefined) break;
      try {
        await sleep(wait, undefined, { signal: run.signal });
      } catch {
        throw new PolymathError('client_closed', 'the client closed the request');
      }
    }
    throw finalError(last!, failures);
  }

  /**
   * Calls `primary`; if it has not answered within `delayMs`, calls `backup` too. The first
   * success wins and the other call is aborted. A primary failing before the delay ends the
   * race at once, backup unused, so the caller falls back as usual.
   */
  private hedge<T>(primary: Target, backup: Target, delayMs: number, kind: CallKind<T>, run: RunContext, req: object, countAttempt: () => void): Promise<HedgeResult<T>> {
    return new Promise((resolve) => {
      const ctrls = [new AbortController(), new AbortController()];
      const errors: Array<[Target, PolymathError]> = [];
      let winner = -1;
      let running = 1;
      let backupStarted = false;
      const onValue = (idx: number, t: Target) => (value: T) => {
        if (winner !== -1) return kind.discard(value);
        winner = idx;
        clearTimeout(timer);
        let loserUsage: Usage | undefined;
        if (backupStarted && running > 1) {
          ctrls[1 - idx].abort(HEDGE_LOST);
          loserUsage = estimatePrompt(req);
        }
        resolve({ ok: true, value, target: t, loserUsage });
      };
      const onError = (t: Target) => (err: unknown) => {
        running--;
        if (winner !== -1) return;
        errors.push([t, toPolymathError(err)]);
        if (!backupStarted) {
          clearTimeout(timer);
          resolve({ ok: false, errors, backupStarted });
        } else if (running === 0) {
          resolve({ ok: false, errors, backupStarted });
        }
      };
      const timer = setTimeout(() => {
        if (winner !== -1 || running === 0 || !backup.stats.admits()) return;
        backupStarted = true;
        running++;
        countAttempt();
        attempt(backup, kind, run.signal, run.requestId, run.intent, ctrls[1]).then(onValue(1, backup), onError(backup));
      }, delayMs);
      attempt(primary, kind, run.signal, run.requestId, run.intent, ctrls[0]).then(onValue(0, primary), onError(primary));
    });
  }
}

function nextAdmitted(targets: Target[], from: number): number {
  for (let j = from; j < targets.length; j++) if (targets[j].stats.admits()) return j;
  return -1;
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

function streamKind(req: ChatRequest, signal: AbortSignal): CallKind<OpenStream> {
  return {
    call: (t, ctx, phases) => openStream(t.provider.stream(req, ctx), phases, t.provider.id),
    commit: (value, finish, t) => trackStream(value, finish, t.provider.id, signal),
    discard: (value) => void value.rest.return?.().catch(() => {}),
  };
}
