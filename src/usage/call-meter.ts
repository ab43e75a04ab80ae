/**
 * Meters the provider calls made on a request's behalf by code that asks the gateway itself (the
 * learning API, its next-lesson jobs): a gateway whose executor records every chat answer's
 * provider, model and tokens (a hedge's too) into a child record of the request's meter, one per
 * content kind, provider and model, as the content batch does per item. `end` ends those records
 * and the parent, whose budget reservation settles to their sum.
 */
import type { Gateway } from '../content/index.js';
import type { PolymathError } from '../errors.js';
import type { Usage } from '../providers/types.js';
import type { Executor } from '../routing/index.js';
import type { Metering } from './meter.js';
import { cachedTokens } from './pricing.js';

export class CallMeter {
  /** the gateway to hand the learning code instead of the runtime's */
  readonly gateway: Gateway;
  /**
   * One record per kind, provider and model: bounded by the configured kinds and targets, not by
   * the number of calls.
   */
  private readonly records = new Map<string, Metering>();

  constructor(
    gw: Gateway,
    readonly parent: Metering,
  ) {
    // The runtime's executor with `chat` metered; every other method is the executor's own.
    const executor = Object.create(gw.executor) as Executor;
    executor.chat = async (plan, req, run) => {
      const out = await gw.executor.chat(plan, req, run);
      this.add(run.intent?.kind ?? 'grading', plan.route ?? null, out.target.provider.id, out.target.model, out.attempts, out.value.body.usage, out.hedgeUsage);
      return out;
    };
    // A getter: the runtime's router of the moment (a reload swaps it).
    this.gateway = { get router() { return gw.router; }, executor };
  }

  /** Ends every record with the request's outcome (its calls were spent either way), then the parent. */
  end(status: number, error?: PolymathError): void {
    for (const m of this.records.values()) {
      m.user = this.parent.user;
      m.end(status, error);
    }
    this.parent.end(status, error);
  }

  private add(kind: string, route: string | null, provider: string, model: string, attempts: number, usage: Usage | undefined, hedge: Usage | undefined): void {
    const id = `${kind}|${provider}|${model}`;
    let m = this.records.get(id);
    if (!m) {
      m = this.parent.child(`${this.parent.id}:${this.records.size}`, this.parent.endpoint);
      m.kind = kind;
      m.route = route;
      m.provider = provider;
      m.model = model;
      this.records.set(id, m);
    }
    m.attempts += attempts;
    m.usage = sum(sum(m.usage, usage), hedge);
  }
}

function sum(a: Usage | undefined, b: Usage | undefined): Usage | undefined {
  if (!b) return a;
  if (!a) return b;
  const prompt = (a.prompt_tokens ?? 0) + (b.prompt_tokens ?? 0);
  const completion = (a.completion_tokens ?? 0) + (b.completion_tokens ?? 0);
  const cached = cachedTokens(a) + cachedTokens(b);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, ...(cached ? { prompt_tokens_details: { cached_tokens: cached } } : {}) };
}
