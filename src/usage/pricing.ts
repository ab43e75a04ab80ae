/**
 * What a request cost: its provider and model priced from config (`<provider>/<model>`, then
 * `<provider>/*`), then the built-in table (cloud providers only), else 0. Lookups are cached per
 * provider and model, in a bounded map.
 */
import type { Logger } from 'pino';
import type { Price, PricingConfig } from '../config/usage.js';
import type { Usage } from '../providers/types.js';
import { CLOUD_TYPES, PRICE_TABLE } from './price-table.js';

const FREE: Price = { input: 0, output: 0 };
const MAX_CACHED = 4_096;
const TABLE_NAMES = Object.keys(PRICE_TABLE).sort((a, b) => b.length - a.length);

export class Pricing {
  private readonly cache = new Map<string, Price>();

  /** `typeOf` names the configured type of a provider id (openai-compatible, llama-cpp, …). */
  constructor(
    private config: PricingConfig,
    private readonly typeOf: (provider: string) => string | undefined,
    private readonly logger?: Logger,
  ) {}

  /** Applies a reloaded config's prices. */
  reset(config: PricingConfig): void {
    this.config = config;
    this.cache.clear();
  }

  price(provider: string, model: string): Price {
    const id = `${provider}/${model}`;
    let p = this.cache.get(id);
    if (p) return p;
    p = this.config[id] ?? this.config[`${provider}/*`] ?? this.fromTable(provider, model);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(id, p);
    return p;
  }

  /** USD for `usage` at this provider and model's price; cached input tokens at the cached price. */
  cost(provider: string | null, model: string | null, usage: Usage | undefined): number {
    if (!usage || provider === null || model === null) return 0;
    const p = this.price(provider, model);
    if (p === FREE) return 0;
    const cached = cachedTokens(usage);
    const input = Math.max(0, (usage.prompt_tokens ?? 0) - cached);
    return (input * p.input + cached * (p.cached_input ?? p.input) + (usage.completion_tokens ?? 0) * p.output) / 1e6;
  }

  private fromTable(provider: string, model: string): Price {
    const type = this.typeOf(provider);
    if (type === undefined || !CLOUD_TYPES.has(type)) return FREE;
    // OpenRouter-style names carry the vendor ("openai/gpt-4o-mini"); dated names extend a base ("claude-3-5-haiku-20241022").
    const bare = model.slice(model.lastIndexOf('/') + 1).toLowerCase();
    const exact = PRICE_TABLE[bare];
    if (exact) return exact;
    for (const name of TABLE_NAMES) if (bare.startsWith(`${name}-`)) return PRICE_TABLE[name];
    this.logger?.warn({ provider, model }, 'no price for this model: its requests are recorded at $0 (set `pricing` in the config)');
    return FREE;
  }
}

/** Cached prompt tokens, as OpenAI reports them (`prompt_tokens_details.cached_tokens`). */
export function cachedTokens(usage: Usage): number {
  const details = usage.prompt_tokens_details as { cached_tokens?: unknown } | undefined;
  return typeof details?.cached_tokens === 'number' ? details.cached_tokens : 0;
}
