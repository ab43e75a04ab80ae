/** The `subnet` provider type: routes calls to a Bittensor subnet's miners (src/providers/subnet/). */
import { z } from 'zod';
import { metagraphSchema, walletSchema } from './network.js';

export const subnetSchema = z.object({
  type: z.literal('subnet'),
  netuid: z.number().int().min(0).max(65_535).default(1),
  metagraph: metagraphSchema,
  /** signs every request (Epistula) */
  wallet: walletSchema,
  /** a validator's published scores (GET /weights); on-chain incentive is used without it */
  weights_url: z.url({ protocol: /^https?$/ }).optional(),
  weights_refresh_ms: z.number().int().positive().default(60_000),
  selection: z
    .object({
      /** miners asked at once; the first verified answer wins */
      k: z.number().int().min(1).max(16).default(2),
      /** share of requests that give a slot to one of the least-measured miners */
      explore: z.number().min(0).max(1).default(0.05),
      /** the most miners called for one request, failovers included */
      max_calls: z.number().int().min(1).max(64).default(6),
      weights: z
        .object({
          weight: z.number().min(0).default(0.3),
          stake: z.number().min(0).default(0.1),
          reliability: z.number().min(0).default(0.3),
          latency: z.number().min(0).default(0.15),
          load: z.number().min(0).default(0.1),
          freshness: z.number().min(0).default(0.05),
        })
        .prefault({}),
    })
    .prefault({}),
  integrity: z
    .object({
      mode: z.enum(['trust', 'sampling', 'full']).default('trust'),
      /** sampling: the share of answers checked (by a second miner or a canary) */
      rate: z.number().min(0).max(1).default(0.05),
      /** sampling: the share of sampled answers checked with a canary (a known answer) sent to the same miner instead of a second miner */
      canary: z.number().min(0).max(1).default(0.5),
      /** how long a miner caught disagreeing is left out */
      quarantine_ms: z.number().int().min(0).default(10 * 60_000),
    })
    .prefault({}),
  /** a miner's circuit opens after this many failures in a row */
  breaker: z.object({ failures: z.number().int().min(1).default(3), half_open_after_ms: z.number().int().min(1).default(30_000) }).prefault({}),
  /** how often miners' /availability is polled */
  availability_refresh_ms: z.number().int().positive().default(60_000),
  /** deadline of one call to one miner */
  timeout_ms: z.number().int().positive().default(60_000),
  connect_timeout_ms: z.number().int().positive().default(3_000),
  max_connections: z.number().int().positive().default(16),
  default_model: z.string().min(1).default('default'),
  models: z.array(z.string().min(1)).default([]),
});

export type SubnetConfig = z.infer<typeof subnetSchema>;
