/** The config sections of keys, pricing, budgets and shared state (`auth`, `pricing`, `budgets`, `state`). */
import { z } from 'zod';

export const authSchema = z
  .object({
    /** require an API key even on loopback with no key created yet */
    required: z.boolean().default(false),
    /** the admin key for /v1/admin/*; default: the POLYMATH_ADMIN_KEY environment variable */
    admin_key: z.string().min(16, 'the admin key must be at least 16 characters').optional(),
    /** how long a key looked up in the store is trusted before it is read again (a revocation elsewhere takes this long) */
    key_cache_ms: z.number().int().min(0).default(5_000),
  })
  .strict()
  .prefault({});

const priceSchema = z
  .object({
    /** USD per 1M input tokens */
    input: z.number().min(0),
    /** USD per 1M output tokens */
    output: z.number().min(0),
    /** USD per 1M cached input tokens (default: the input price) */
    cached_input: z.number().min(0).optional(),
  })
  .strict();

/** `"<provider>/<model>"` or `"<provider>/*"` → price; wins over the built-in table. */
export const pricingSchema = z.record(z.string().regex(/^[^/]+\/.+$/, 'pricing keys are "<provider>/<model>" or "<provider>/*"'), priceSchema).default({});

export const budgetsSchema = z
  .object({
    /** share of a key's budget at which the soft-threshold alert fires */
    soft_threshold: z.number().gt(0).max(1).default(0.8),
    /** output tokens assumed when reserving a request's cost and the request sets no max_tokens */
    default_max_tokens: z.number().int().positive().default(1024),
  })
  .strict()
  .prefault({});

export const stateSchema = z
  .object({
    /** memory:// (one instance) or redis://host:port (rate limits and budgets shared by every instance) */
    url: z.string().regex(/^(memory:\/\/|rediss?:\/\/)/, 'state.url is memory:// or redis://…').default('memory://'),
    /** prefix of every Redis key Polymath writes */
    prefix: z.string().default('polymath:'),
    /** deadline of one Redis command */
    timeout_ms: z.number().int().positive().default(1_000),
  })
  .strict()
  .prefault({});

export type AuthConfig = z.infer<typeof authSchema>;
export type PricingConfig = z.infer<typeof pricingSchema>;
export type Price = z.infer<typeof priceSchema>;
export type BudgetsConfig = z.infer<typeof budgetsSchema>;
export type StateConfig = z.infer<typeof stateSchema>;
