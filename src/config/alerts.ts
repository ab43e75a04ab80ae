/** The `alerts:` section of polymath.yaml: rules checked on an interval, sent to the log and a webhook. */
import { z } from 'zod';

/** A rule's threshold, or `false` to turn the rule off. */
const off = z.literal(false);

export const alertsSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** receives each alert as a JSON POST when it fires and when it resolves */
    webhook_url: z.url({ protocol: /^https?$/ }).optional(),
    /** how often the rules are checked; each check looks at the requests since the last one */
    interval_ms: z.number().int().min(100).default(60_000),
    webhook: z
      .object({
        /** deadline of one POST */
        timeout_ms: z.number().int().positive().default(5_000),
        /** tries per alert, the first included */
        attempts: z.number().int().min(1).max(10).default(4),
        backoff_ms: z.number().int().min(0).default(500),
        /** alerts waiting to be sent; past it the oldest are dropped (and logged) */
        max_queue: z.number().int().positive().default(1_000),
      })
      .strict()
      .prefault({}),
    rules: z
      .object({
        /** p95 latency of the requests in one interval, in ms */
        p95_latency_ms: z.union([z.number().positive(), off]).default(10_000),
        /** failed requests (5xx) over all requests in one interval */
        error_rate: z.union([z.number().min(0).max(1), off]).default(0.05),
        /** fewest requests in an interval before latency and error rate are judged */
        min_requests: z.number().int().min(1).default(20),
        /** an interval's cost above the trailing baseline (the mean of earlier intervals) by this share */
        cost_over_baseline: z.union([z.number().positive(), off]).default(0.2),
        /** intervals in the trailing baseline; the rule waits until it has them all */
        baseline_intervals: z.number().int().min(1).max(10_000).default(24),
        /** an interval costing less than this never fires the cost rule, in USD */
        min_cost_usd: z.number().min(0).default(0.01),
        /** a key's spend reached its budget's soft threshold */
        budget_soft: z.boolean().default(true),
        /** a target's circuit breaker is open */
        breaker_open: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export type AlertsConfig = z.infer<typeof alertsSchema>;
export type AlertRules = AlertsConfig['rules'];
