/**
 * StoryFi's `generator_config.yaml`, accepted as-is: its generators become providers and a route
 * of this config, tried with `generator.mode` first, then the others in the order local → api →
 * custom (when `generator.fallback` is not false).
 *
 *   generator:
 *     mode: local                       # local | api | custom
 *     local:  { model_path: ./m.gguf }  # or { server_url: http://127.0.0.1:11434/v1, model: llama3 }
 *     api:    { provider: openai, api_key: "${OPENAI_API_KEY}", model: gpt-4o-mini }   # openai | openrouter | anthropic | gemini
 *     custom: { script: ./generate.py } # or { command: [python3, gen.py] } or { url: http://127.0.0.1:8000/generate }
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseConfig, type Config } from '../../config/index.js';
import { interpolate } from '../../config/interpolate.js';

const section = z.record(z.string(), z.unknown());
const fileSchema = z.object({
  generator: z
    .object({
      mode: z.enum(['local', 'api', 'custom']),
      fallback: z.boolean().default(true),
      local: section.optional(),
      api: section.optional(),
      custom: section.optional(),
    })
    .loose(),
});

const ORDER = ['local', 'api', 'custom'] as const;
export const STORYFI_ROUTE = 'generator';

type Raw = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function localProvider(s: Raw, base: string): Raw {
  const serverUrl = str(s.server_url) ?? str(s.base_url) ?? str(s.url);
  if (serverUrl) return { type: 'openai-compatible', base_url: serverUrl, ...(str(s.model) ? { default_model: s.model } : {}), ...(str(s.api_key) ? { api_key: s.api_key } : {}) };
  const modelPath = str(s.model_path) ?? str(s.model);
  return { type: 'llama-cpp', model_path: modelPath ? resolve(base, modelPath) : '', ...pick(s, ['threads', 'context_size', 'parallel', 'gpu', 'timeout_ms']) };
}

function apiProvider(s: Raw): Raw {
  const provider = str(s.provider) ?? 'openai';
  const model = str(s.model);
  const common = { api_key: s.api_key, ...(model ? { default_model: model } : {}), ...(str(s.base_url) ? { base_url: s.base_url } : {}) };
  if (provider === 'anthropic' || provider === 'gemini') return { type: provider, ...common };
  return { type: 'openai-compatible', ...(str(s.base_url) ? {} : { preset: provider }), ...common };
}

function customProvider(s: Raw, base: string): Raw {
  if (str(s.url)) return { type: 'http', url: s.url, ...pick(s, ['headers', 'api_key', 'timeout_ms']) };
  const script = str(s.script);
  const command = Array.isArray(s.command) ? s.command : script ? [script.endsWith('.py') ? 'python3' : script.endsWith('.js') || script.endsWith('.mjs') ? process.execPath : resolve(base, script), ...(/\.(py|m?js)$/.test(script) ? [resolve(base, script)] : [])] : [];
  return { type: 'script', command, cwd: base, ...pick(s, ['env', 'timeout_ms', 'persistent', 'pool_size']) };
}

function pick(s: Raw, keys: string[]): Raw {
  return Object.fromEntries(keys.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
}

/** The config with the file's generators as providers `generator-<mode>` and route `generator`, which the miner serves. */
export function withStoryfiChain(config: Config, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read: ${(err as Error).message}`);
  }
  const parsed = fileSchema.safeParse(interpolate(raw, env).value);
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const g = parsed.data.generator;
  const base = dirname(resolve(file));
  const order = [g.mode, ...(g.fallback ? ORDER.filter((m) => m !== g.mode) : [])].filter((m) => g[m] !== undefined);
  if (!order.includes(g.mode)) throw new Error(`${file}: generator.mode is ${g.mode} but there is no \`${g.mode}\` section`);
  const providers: Record<string, Raw> = {};
  for (const m of order) {
    const s = g[m] as Raw;
    providers[`generator-${m}`] = m === 'local' ? localProvider(s, base) : m === 'api' ? apiProvider(s) : customProvider(s, base);
  }
  return parseConfig({
    ...config,
    providers: { ...config.providers, ...providers },
    routes: { ...config.routes, [STORYFI_ROUTE]: { strategy: 'fallback', targets: order.map((m) => ({ provider: `generator-${m}` })) } },
    miner: { ...config.miner, route: STORYFI_ROUTE },
  });
}
