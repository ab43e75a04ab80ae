/** Starts and stops the HTTP server over a fresh Runtime. */
import type { FastifyInstance } from 'fastify';
import { watchConfig, type Config, type ConfigWatcher, type WatchOptions } from '../config/index.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { buildApp } from './app.js';

export interface RunningServer {
  app: FastifyInstance;
  runtime: Runtime;
  /** the address it listens on, e.g. http://127.0.0.1:8787 */
  url: string;
  /** the config file watcher, when the server was started with `watch` */
  watcher?: ConfigWatcher;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** reload the config from this file on change and on SIGHUP */
  watch?: WatchOptions;
}

export async function startServer(config: Config, logger: Logger = createLogger(config.logging.level), opts: ServerOptions = {}): Promise<RunningServer> {
  const runtime = await createRuntime(config, logger);
  const app = buildApp(runtime);
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    await runtime.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  const watcher = opts.watch ? watchConfig(opts.watch, (next) => runtime.reload(next), logger) : undefined;
  let closing: Promise<void> | undefined;
  return {
    app,
    runtime,
    url: `http://${host}:${port}`,
    watcher,
    close: () => {
      watcher?.close();
      return (closing ??= drain(app, config.server.shutdown_grace_ms).then(() => runtime.close()));
    },
  };
}

/**
 * Stops accepting connections and lets requests in flight finish, for at most `graceMs`; then
 * closes whatever connections remain, so a stuck client or keep-alive socket cannot hold shutdown.
 */
async function drain(app: FastifyInstance, graceMs: number): Promise<void> {
  const force = setTimeout(() => app.server.closeAllConnections(), graceMs);
  try {
    await app.close();
  } finally {
    clearTimeout(force);
  }
}

export { buildApp };
