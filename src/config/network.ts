/**
 * The network sections of polymath.yaml: `network:` (netuid, wallet, metagraph), `miner:`. The
 * wallet and metagraph sub-schemas are exported for the `subnet` provider and the validator.
 */
import { z } from 'zod';

const segment = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'names use letters, digits, ".", "_" and "-"');

/** A bittensor hotkey file: `<path>/<name>/hotkeys/<hotkey>`. */
export const walletSchema = z
  .object({
    name: segment,
    hotkey: segment.default('default'),
    /** the wallets folder; default `$BT_WALLET_PATH` or `~/.bittensor/wallets` */
    path: z.string().min(1).optional(),
    password: z.string().optional(),
  })
  .strict();

/** Where the uid → hotkey, stake, axon table comes from, and how often it is refreshed. */
export const metagraphSchema = z
  .object({
    source: z.enum(['static', 'subtensor', 'taostats']),
    /** static: a YAML or JSON list of neurons, re-read when it changes */
    file: z.string().min(1).optional(),
    /** subtensor: a node's ws(s):// or http(s):// JSON-RPC endpoint; taostats: the API base (default https://api.taostats.io) */
    url: z.string().regex(/^(wss?|https?):\/\/./, 'url must be a ws://, wss://, http:// or https:// URL').optional(),
    /** taostats: the API key; default $TAOSTATS_API_KEY */
    api_key: z.string().optional(),
    refresh_ms: z.number().int().min(1_000).default(60_000),
    /** deadline of one refresh */
    timeout_ms: z.number().int().positive().default(15_000),
    /** taostats: neurons per page */
    page_size: z.number().int().min(1).max(1_000).default(200),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.source === 'static' && !m.file) ctx.addIssue({ code: 'custom', path: ['file'], message: 'the static source needs `file`' });
    if (m.source === 'subtensor' && !m.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'the subtensor source needs `url`, e.g. wss://entrypoint-finney.opentensor.ai:443' });
    if (m.source === 'taostats' && m.url && !/^https?:/.test(m.url)) ctx.addIssue({ code: 'custom', path: ['url'], message: 'the taostats source needs an http(s) url' });
  });

export const networkSchema = z
  .object({
    netuid: z.number().int().min(0).max(65_535),
    wallet: walletSchema,
    metagraph: metagraphSchema,
  })
  .strict();

/** `polymath miner`: serves a subnet's validators through a route of this config. */
export const minerSchema = z
  .object({
    host: z.string().min(1).default('0.0.0.0'),
    port: z.number().int().min(0).max(65_535).default(8091),
    /** the generator chain: a route of polymath.yaml, its targets tried in order */
    route: segment.default('default'),
    /** callers need at least this stake (TAO) in the metagraph */
    min_caller_stake: z.number().min(0).default(0),
    require_validator_permit: z.boolean().default(false),
    /** what the miner advertises in /availability, for routing by specialization */
    kinds: z.array(z.string().min(1)).optional(),
    subjects: z.array(z.string().min(1)).default([]),
    languages: z.array(z.string().min(1)).default(['en']),
    /** SN1 task names answered true in /availability */
    tasks: z.array(z.string().min(1)).default(['InferenceTask', 'QuestionAnsweringTask', 'WebRetrievalTask']),
    /** a StoryFi `generator_config.yaml` whose generators become the chain (instead of `route`) */
    generator_config: z.string().min(1).optional(),
    /** requests served at once before new ones get 503 */
    max_in_flight: z.number().int().positive().default(64),
    /** largest request body accepted, in bytes */
    body_limit_bytes: z.number().int().positive().default(1024 * 1024),
    /** the generator chain is checked (and warmed) this often; 0 = only at start */
    health_interval_ms: z.number().int().min(0).default(30_000),
  })
  .strict();

export type WalletConfig = z.infer<typeof walletSchema>;
export type MetagraphConfig = z.infer<typeof metagraphSchema>;
export type NetworkConfig = z.infer<typeof networkSchema>;
export type MinerConfig = z.infer<typeof minerSchema>;
