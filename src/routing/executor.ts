/**
 * Runs a plan: tries its targets in order and moves on when one fails before anything reached
 * the client. A stream is committed to a target only once it has produced content; a failure
 * after that is the client's to see.
 */
import { PolymathError, toPolymathError } from '../errors.js';
import type { CallContext, ChatRequest, ChatResult, ContentIntent, EmbedRequest, EmbedResult, StreamEvent } from '../providers/types.js';
import type { Plan, Target } from './plan.js';

export interface RunContext {
  signal: AbortSignal;
  requestId: string;
  intent?: ContentIntent;
}

export interface Outcome<T> {
  value: T;
  target: Target;
  /** how many targets were tried, the successful one included */
  attempts: number;
}

/** A stream that has produced content: the events read so far, and the rest still to come. */
export interface OpenStream {
  head: StreamEvent[];
  rest: AsyncIterator<StreamEvent>;
}

/** Error kinds after which the next target is tried. */
const FALLBACK_KINDS = new Set(['upstream_timeout', 'upstream_unreachable', 'upstream_invalid', 'queue_full', 'no_healthy_target', 'not_found']);

export function shouldFallback(err: PolymathError): boolean {
  if (FALLBACK_KINDS.has(err.kind)) return true;
  if (err.kind !== 'upstream_error') return false;
  const status = err.details.upstreamStatus;
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The most events held back while waiting for a stream's first content. */
const MAX_HEAD_EVENTS = 64;

export class Executor {
  chat(plan: Plan, req: ChatRequest, run: RunContext): Promise<Outcome<ChatResult>> {
    return this.tryTargets(plan, run, (t, ctx) => t.provider.chat(req, ctx));
  }

  embed(plan: Plan, req: EmbedRequest, run: RunContext): Promise<Outcome<EmbedResult>> {
    return this.tryTargets(plan, run, (t, ctx) => {
      if (!t.provider.embed) throw new PolymathError('invalid_request', `provider "${t.provider.id}" does not serve embeddings`, { param: 'model' });
      return t.provider.embed(req, ctx);
    });
  }

  stream(plan: Plan, req: ChatRequest, run: RunContext): Promise<Outcome<OpenStream>> {
    return this.tryTargets(plan, run, (t, ctx) => openStream(t.provider.stream(req, ctx)));
  }

  private async tryTargets<T>(plan: Plan, run: RunContext, call: (t: Target, ctx: CallContext) => Promise<T>): Promise<Outcome<T>> {
    const failures: string[] = [];
    let last: PolymathError | undefined;
    for (let i = 0; i < plan.targets.length; i++) {
      const target = plan.targets[i];
      if (run.signal.aborted) throw new PolymathError('client_closed', 'the client closed the request');
      try {
        const value = await call(target, { signal: run.signal, model: target.model, requestId: run.requestId, intent: run.intent });
        return { value, target, attempts: i + 1 };
      } catch (err) {
        last = toPolymathError(err, 'upstream_error');
        failures.push(`${target.provider.id}/${target.model}: ${last.message}`);
        if (!shouldFallback(last) || i === plan.targets.length - 1) break;
      }
    }
    if (last && failures.length > 1) {
      throw new PolymathError(last.kind, `all ${failures.length} targets failed: ${failures.join('; ')}`, { ...last.details, cause: last });
    }
    throw last ?? new PolymathError('no_healthy_target', 'the route has no targets');
  }
}

/**
 * Reads a stream until its first event with content (text, a tool call or a finish), so that a
 * failure before it can still fall through to the next target.
 */
async function openStream(events: AsyncIterable<StreamEvent>): Promise<OpenStream> {
  const rest = events[Symbol.asyncIterator]();
  const head: StreamEvent[] = [];
  while (head.length < MAX_HEAD_EVENTS) {
    const next = await rest.next();
    if (next.done) {
      throw new PolymathError('upstream_error', 'the upstream stream ended before any content');
    }
    head.push(next.value);
    if (hasContent(next.value)) break;
  }
  return { head, rest };
}

export function hasContent(event: StreamEvent): boolean {
  const choice = event.chunk.choices?.[0];
  if (!choice) return event.chunk.usage != null;
  const d = choice.delta;
  return Boolean(d?.content) || Boolean(d?.tool_calls?.length) || Boolean(d?.refusal) || choice.finish_reason != null;
}
