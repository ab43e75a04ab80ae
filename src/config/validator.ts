/** `validator:` — `polymath validator` scores a subnet's miners and publishes weights (src/network/validator/). */
import { z } from 'zod';

const share = z.number().min(0).max(1);

export const validatorSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(8092),
    /** one challenge round */
    interval_ms: z.number().int().min(100).default(12_000),
    /** miners challenged per round */
    sample_size: z.number().int().min(1).max(256).default(8),
    /** the share of each task type among challenges */
    tasks: z.object({ content: share.default(0.7), chat: share.default(0.2), canary: share.default(0.1) }).prefault({}),
    /** generation-mode multipliers (the product is capped at 100) */
    /** the content kinds content tasks ask for */
    content_kinds: z.array(z.enum(['lesson', 'quiz', 'explanation', 'flashcards'])).min(1).default(['lesson', 'quiz', 'explanation', 'flashcards']),
    multipliers: z.object({ local: z.number().min(0).default(1.5), api: z.number().min(0).default(0.5), custom: z.number().min(0).default(1.0) }).prefault({}),
    ema_alpha: z.number().gt(0).max(1).default(0.3),
    /** the longest answer a challenge asks for, in tokens */
    max_tokens: z.number().int().min(16).max(8192).default(512),
    /** deadline of one challenge to one miner */
    timeout_ms: z.number().int().positive().default(30_000),
    /**
     * The local-mode check: a miner that claims `local` with a model named here must reproduce the
     * greedy output of this route (the validator's own copy of the model) for a seeded prompt.
     */
    local_check: z
      .object({
        /** model name (as miners report it in /availability) → a route or provider/model of this config */
        models: z.record(z.string().min(1), z.string().min(1)).default({}),
        /** what a miner that fails it keeps of its score, besides the api multiplier */
        penalty: share.default(0.5),
        max_tokens: z.number().int().min(1).max(256).default(24),
      })
      .prefault({}),
    /** set_weights on chain when a subtensor URL is given (and the wallet is registered) */
    chain: z
      .object({
        subtensor_url: z.string().regex(/^wss?:\/\//, 'a ws:// or wss:// subtensor endpoint').optional(),
        version_key: z.number().int().min(0).default(0),
        /** the least time between two set_weights (the chain's own rate limit is in blocks: 100 × 12 s by default) */
        min_interval_ms: z.number().int().min(0).default(100 * 12_000),
        timeout_ms: z.number().int().positive().default(60_000),
      })
      .prefault({}),
  })
  .superRefine((v, ctx) => {
    if (v.tasks.content + v.tasks.chat + v.tasks.canary <= 0) ctx.addIssue({ code: 'custom', path: ['tasks'], message: 'at least one task share must be above 0' });
  });

export type ValidatorConfig = z.infer<typeof validatorSchema>;
