/** Starts and stops the HTTP server over a fresh Runtime. */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { buildApp } from './app.js';

export interface RunningServer {
  app: FastifyInstance;
  runtime: Runtime;
  /** the address it listens on, e.g. http://127.0.0.1:8787 */
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger = createLogger(config.logging.level)): Promise<RunningServer> {
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
  let closing: Promise<void> | undefined;
  return {
    app,
    runtime,
    url: `http://${host}:${port}`,
    close: () => (closing ??= app.close().then(() => runtime.close())),
  };
}

export { buildApp };
