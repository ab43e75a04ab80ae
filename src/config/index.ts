export { loadConfig, parseConfig, ConfigError, type LoadOptions, type LoadedConfig } from './load.js';
export { configSchema, type Config, type RouteConfig, type TargetConfig } from './schema.js';
export type { ProviderConfig, OpenAICompatibleConfig } from './providers.js';
