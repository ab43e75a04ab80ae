/**
 * PROVISIONAL (issue 11 branch): the `wallet` and `metagraph` sub-schemas shared by `network:`,
 * the miner, the validator and the `subnet` provider, until issue 10's file is merged.
 */
import { z } from 'zod';

export const walletSchema = z.object({
  name: z.string().min(1),
  hotkey: z.string().min(1).default('default'),
  path: z.string().min(1).optional(),
  password: z.string().optional(),
});

export const metagraphSchema = z.object({
  source: z.enum(['static', 'subtensor', 'taostats']).default('static'),
  file: z.string().min(1).optional(),
  url: z.string().min(1).optional(),
  api_key: z.string().optional(),
  refresh_ms: z.number().int().positive().default(60_000),
  timeout_ms: z.number().int().positive().default(10_000),
});

export type WalletConfig = z.infer<typeof walletSchema>;
export type MetagraphConfig = z.infer<typeof metagraphSchema>;

export const networkSchema = z.object({
  netuid: z.number().int().min(0).max(65_535),
  wallet: walletSchema,
  metagraph: metagraphSchema,
});
export type NetworkConfig = z.infer<typeof networkSchema>;
