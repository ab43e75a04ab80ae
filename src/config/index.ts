export { loadConfig, parseConfig, ConfigError, type LoadOptions, type LoadedConfig } from './load.js';
export { configSchema, type Config, type RouteConfig, type TargetConfig, type RoutingConfig, type ConditionConfig } from './schema.js';
export type { ProviderConfig, OpenAICompatibleConfig } from './providers.js';
export { watchConfig, type ConfigWatcher, type WatchOptions } from './watch.js';
