/**
 * The config schema of each provider type, one entry per wire protocol. A provider type adds
 * its schema here and its implementation in `src/providers/<type>.ts`.
 */
import { z } from 'zod';
import { PRESET_NAMES } from '../providers/presets.js';

const common = {
  /** the model used when a route target or request names none */
  default_model: z.string().min(1).optional(),
  /** extra model names listed by GET /v1/models */
  models: z.array(z.string().min(1)).default([]),
  /** deadline of one whole call, connect to last byte */
  timeout_ms: z.number().int().positive().default(60_000),
  connect_timeout_ms: z.number().int().positive().default(5_000),
};

export const openAICompatibleSchema = z
  .object({
    type: z.literal('openai-compatible'),
    preset: z.enum(PRESET_NAMES).optional(),
    base_url: z.url().optional(),
    api_key: z.string().optional(),
    headers: z.record(z.string(), z.string()).default({}),
    /** keep-alive connections kept open to this upstream */
    max_connections: z.number().int().positive().default(64),
    ...common,
  })
  .refine((p) => p.preset !== undefined || p.base_url !== undefined, {
    message: 'base_url is required when no preset is given',
    path: ['base_url'],
  });

export const providerSchema = z.discriminatedUnion('type', [openAICompatibleSchema]);

export type OpenAICompatibleConfig = z.infer<typeof openAICompatibleSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
