/**
 * Published list prices of common cloud models, USD per 1M tokens (input, output, cached input),
 * as of 2025. Config `pricing` overrides any of them; a model not here and not in config costs 0
 * (and is logged once), as do local, library, script and miner providers unless config prices them.
 */
import type { Price } from '../config/usage.js';

export const PRICE_TABLE: Readonly<Record<string, Price>> = {
  // OpenAI
  'gpt-4o-mini': { input: 0.15, output: 0.6, cached_input: 0.075 },
  'gpt-4o': { input: 2.5, output: 10, cached_input: 1.25 },
  'gpt-4.1': { input: 2, output: 8, cached_input: 0.5 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, cached_input: 0.1 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4, cached_input: 0.025 },
  'gpt-4-turbo': { input: 10, output: 30 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
  'o1': { input: 15, output: 60, cached_input: 7.5 },
  'o1-mini': { input: 1.1, output: 4.4, cached_input: 0.55 },
  'o3': { input: 2, output: 8, cached_input: 0.5 },
  'o3-mini': { input: 1.1, output: 4.4, cached_input: 0.55 },
  'o4-mini': { input: 1.1, output: 4.4, cached_input: 0.275 },
  'text-embedding-3-small': { input: 0.02, output: 0 },
  'text-embedding-3-large': { input: 0.13, output: 0 },
  'text-embedding-ada-002': { input: 0.1, output: 0 },
  // Anthropic (cached input = cache reads)
  'claude-3-5-haiku': { input: 0.8, output: 4, cached_input: 0.08 },
  'claude-3-haiku': { input: 0.25, output: 1.25, cached_input: 0.03 },
  'claude-3-5-sonnet': { input: 3, output: 15, cached_input: 0.3 },
  'claude-3-7-sonnet': { input: 3, output: 15, cached_input: 0.3 },
  'claude-sonnet-4': { input: 3, output: 15, cached_input: 0.3 },
  'claude-opus-4': { input: 15, output: 75, cached_input: 1.5 },
  'claude-3-opus': { input: 15, output: 75, cached_input: 1.5 },
  // Google
  'gemini-1.5-flash': { input: 0.075, output: 0.3 },
  'gemini-1.5-pro': { input: 1.25, output: 5 },
  'gemini-2.0-flash': { input: 0.1, output: 0.4, cached_input: 0.025 },
  'gemini-2.0-flash-lite': { input: 0.075, output: 0.3 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5, cached_input: 0.075 },
  'gemini-2.5-pro': { input: 1.25, output: 10, cached_input: 0.31 },
  'text-embedding-004': { input: 0, output: 0 },
  // Perplexity
  sonar: { input: 1, output: 1 },
  'sonar-pro': { input: 3, output: 15 },
};

/** Provider types whose models are priced by the table above (the others are free unless configured). */
export const CLOUD_TYPES: ReadonlySet<string> = new Set(['openai-compatible', 'anthropic', 'gemini']);
