/** Polymath's public face as a library. */
export { loadConfig, parseConfig, ConfigError, type Config } from './config/index.js';
export { startServer, buildApp, type RunningServer } from './server/index.js';
export { createRuntime, type Runtime } from './runtime.js';
export { PolymathError, type ErrorKind } from './errors.js';
export type * from './providers/types.js';
