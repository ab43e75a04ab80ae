/**
 * What a request will cost at most, before it is made: prompt tokens estimated from the text
 * (4 characters a token, plus a few a message; cheap, no tokenizer on the hot path) and output
 * tokens from its max_tokens (or the configured default), at the highest price among the targets
 * its route can reach.
 */
import type { Price } from '../config/usage.js';
import type { Plan } from '../routing/index.js';
import type { Pricing } from './pricing.js';

export interface Estimate {
  promptTokens: number;
  outputTokens: number;
}

const PER_MESSAGE = 4;
/** the prompt a content request's template adds around the body */
const CONTENT_PROMPT = 1_000;

export function estimateTokens(url: string, body: unknown, defaultMaxTokens: number): Estimate {
  const b = (body ?? {}) as Record<string, unknown>;
  if (url.startsWith('/v1/embeddings')) return { promptTokens: charsOf(b.input) / 4, outputTokens: 0 };
  const max = typeof b.max_completion_tokens === 'number' ? b.max_completion_tokens : typeof b.max_tokens === 'number' ? b.max_tokens : defaultMaxTokens;
  const n = typeof b.n === 'number' && b.n > 1 ? b.n : 1;
  if (Array.isArray(b.messages)) {
    let chars = 0;
    for (const m of b.messages as Array<{ content?: unknown }>) chars += charsOf(m?.content) + PER_MESSAGE * 4;
    return { promptTokens: Math.ceil(chars / 4), outputTokens: max * n };
  }
  // content and other learning-API bodies: a prompt template around the body
  return { promptTokens: CONTENT_PROMPT + Math.ceil(charsOf(body) / 4), outputTokens: max };
}

function charsOf(v: unknown): number {
  if (typeof v === 'string') return v.length;
  if (v === undefined || v === null) return 0;
  if (Array.isArray(v)) {
    let n = 0;
    for (const x of v) n += charsOf(x);
    return n;
  }
  if (typeof v === 'object') {
    const text = (v as { text?: unknown }).text;
    return typeof text === 'string' ? text.length : JSON.stringify(v).length;
  }
  return String(v).length;
}

const maxPrices = new WeakMap<Plan, Price>();

/** The highest price among the targets a plan can reach (cached per plan). */
export function planPrice(plan: Plan, pricing: Pricing): Price {
  let p = maxPrices.get(plan);
  if (p) return p;
  p = { input: 0, output: 0 };
  for (const item of plan.node.items) {
    for (const t of item.leaves) {
      const q = pricing.price(t.provider.id, t.model);
      p = { input: Math.max(p.input, q.input, q.cached_input ?? 0), output: Math.max(p.output, q.output) };
    }
  }
  maxPrices.set(plan, p);
  return p;
}

export function estimateCost(e: Estimate, price: Price): number {
  return (e.promptTokens * price.input + e.outputTokens * price.output) / 1e6;
}
