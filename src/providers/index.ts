/** Builds the configured providers. Each wire protocol lives in its own file. */
import type { ProviderConfig } from '../config/providers.js';
import { AnthropicProvider } from './anthropic.js';
import { GeminiProvider } from './gemini.js';
import { HttpProvider } from './http.js';
import { LlamaCppProvider } from './llama-cpp/index.js';
import { LibraryProvider } from './library.js';
import { OpenAICompatibleProvider } from './openai-compatible.js';
import { ScriptProvider } from './script.js';
import { SubnetProvider } from './subnet/index.js';
import type { Provider } from './types.js';

export function createProvider(id: string, cfg: ProviderConfig): Provider {
  switch (cfg.type) {
    case 'openai-compatible':
      return new OpenAICompatibleProvider(id, cfg);
    case 'library':
      return new LibraryProvider(id, cfg);
    case 'anthropic':
      return new AnthropicProvider(id, cfg);
    case 'gemini':
      return new GeminiProvider(id, cfg);
    case 'script':
      return new ScriptProvider(id, cfg);
    case 'http':
      return new HttpProvider(id, cfg);
    case 'llama-cpp':
      return new LlamaCppProvider(id, cfg);
    case 'subnet':
      return new SubnetProvider(id, cfg);
  }
}

export function createProviders(configs: Record<string, ProviderConfig>): Map<string, Provider> {
  return new Map(Object.entries(configs).map(([id, cfg]) => [id, createProvider(id, cfg)]));
}

export type * from './types.js';
export { PRESETS, type PresetName } from './presets.js';
