/**
 * With no config file, Polymath builds its config from the environment: each provider whose key
 * is set, `LLM_PROVIDER` first, all in one `default` fallback route. The names are the ones
 * existing apps already use.
 */
import type { PresetName } from '../providers/presets.js';
import { bittensorFallback, bittensorProvider } from './bittensor-env.js';

interface EnvProvider {
  name: string;
  preset: PresetName;
  keyVar: string;
  modelVar: string;
  baseUrlVar?: string;
}

const ENV_PROVIDERS: EnvProvider[] = [
  { name: 'openai', preset: 'openai', keyVar: 'OPENAI_API_KEY', modelVar: 'OPENAI_MODEL', baseUrlVar: 'OPENAI_BASE_URL' },
  { name: 'openrouter', preset: 'openrouter', keyVar: 'OPENROUTER_API_KEY', modelVar: 'OPENROUTER_MODEL' },
  { name: 'perplexity', preset: 'perplexity', keyVar: 'PERPLEXITY_API_KEY', modelVar: 'PERPLEXITY_MODEL' },
];

/** A raw config object (not yet validated) derived from the environment. */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const providers: Record<string, Record<string, unknown>> = {};
  // A GGUF file named by POLYMATH_LOCAL_MODEL is served in-process, first unless LLM_PROVIDER says otherwise.
  if (env.POLYMATH_LOCAL_MODEL) providers.local = { type: 'llama-cpp', model_path: env.POLYMATH_LOCAL_MODEL };
  for (const p of ENV_PROVIDERS) {
    const key = env[p.keyVar];
    if (!key) continue;
    providers[p.name] = {
      type: 'openai-compatible',
      preset: p.preset,
      api_key: key,
      ...(env[p.modelVar] ? { default_model: env[p.modelVar] } : {}),
      ...(p.baseUrlVar && env[p.baseUrlVar] ? { base_url: env[p.baseUrlVar] } : {}),
    };
  }

  // Anthropic and Gemini speak wire formats of their own.
  if (env.ANTHROPIC_API_KEY) {
    providers.anthropic = {
      type: 'anthropic',
      api_key: env.ANTHROPIC_API_KEY,
      ...(env.ANTHROPIC_MODEL ? { default_model: env.ANTHROPIC_MODEL } : {}),
      ...(env.ANTHROPIC_BASE_URL ? { base_url: env.ANTHROPIC_BASE_URL } : {}),
    };
  }
  const geminiKey = env.GEMINI_API_KEY || env.GOOGLE_API_KEY;
  if (geminiKey) {
    providers.gemini = { type: 'gemini', api_key: geminiKey, ...(env.GEMINI_MODEL ? { default_model: env.GEMINI_MODEL } : {}) };
  }

  const names = Object.keys(providers);
  const asked = env.LLM_PROVIDER?.toLowerCase();
  // the names apps use for these two, beside ours
  const first = asked === 'claude' ? 'anthropic' : asked === 'google' ? 'gemini' : asked;
  if (first && names.includes(first)) names.sort((a, b) => Number(b === first) - Number(a === first));

  // The offline WordNet library is always there and always last: with no key at all, content still works.
  providers.library = { type: 'library' };
  names.push('library');

  // LLM_PROVIDER=bittensor with its flag: the subnet first, alone unless fallback is enabled.
  const subnet = bittensorProvider(env);
  if (subnet) {
    providers.bittensor = subnet;
    names.splice(0, names.length, 'bittensor', ...(bittensorFallback(env) ? names : []));
  }

  const routes = names.length > 0 ? { default: { strategy: 'fallback', targets: names.map((provider) => ({ provider })) } } : {};
  return { providers, routes };
}
