/**
 * Presets for OpenAI-compatible upstreams: base URL, default headers and default model, as data.
 * A provider's own `base_url`, `headers` and `default_model` override its preset's.
 */
export interface Preset {
  base_url: string;
  headers?: Record<string, string>;
  default_model?: string;
  /** whether the upstream needs an API key (local servers usually do not) */
  needs_key: boolean;
  /** the upstream honours stream_options.include_usage */
  stream_usage: boolean;
}

export const PRESETS = {
  openai: { base_url: 'https://api.openai.com/v1', default_model: 'gpt-4o-mini', needs_key: true, stream_usage: true },
  openrouter: {
    base_url: 'https://openrouter.ai/api/v1',
    // OpenRouter's app attribution headers (https://openrouter.ai/docs/api-reference/overview#headers).
    headers: { 'HTTP-Referer': 'https://github.com/polymath-ai/polymath', 'X-Title': 'Polymath' },
    default_model: 'openai/gpt-4o-mini',
    needs_key: true,
    stream_usage: true,
  },
  perplexity: { base_url: 'https://api.perplexity.ai', default_model: 'sonar', needs_key: true, stream_usage: true },
  ollama: { base_url: 'http://127.0.0.1:11434/v1', needs_key: false, stream_usage: true },
  vllm: { base_url: 'http://127.0.0.1:8000/v1', needs_key: false, stream_usage: true },
  'llama.cpp': { base_url: 'http://127.0.0.1:8080/v1', needs_key: false, stream_usage: true },
  lmstudio: { base_url: 'http://127.0.0.1:1234/v1', needs_key: false, stream_usage: true },
} as const satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as [PresetName, ...PresetName[]];
