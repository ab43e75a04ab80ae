/** `polymath serve`: load the config and serve the API until SIGINT or SIGTERM. */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.js';
import { bittensorWarnings } from '../config/bittensor-env.js';
import { startServer } from '../server/index.js';
import { USAGE_EXIT, type Command } from './types.js';

export const serve: Command = {
  usage: 'serve [--config FILE] [--host HOST] [--port PORT]',
  summary: 'serve the API (default 127.0.0.1:8787)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { config: { type: 'string', short: 'c' }, host: { type: 'string' }, port: { type: 'string', short: 'p' } },
    });
    let port: number | undefined;
    if (values.port !== undefined) {
      port = Number(values.port);
      if (!/^\d+$/.test(values.port) || port > 65_535) {
        process.stderr.write(`polymath: --port must be an integer from 0 to 65535 (got "${values.port}")\n`);
        return USAGE_EXIT;
      }
    }
    let loaded;
    try {
      loaded = loadConfig({ file: values.config, overrides: { host: values.host, port } });
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`polymath: ${err.message}\n`);
        return USAGE_EXIT;
      }
      throw err;
    }

    const server = await startServer(loaded.config, undefined, loaded.file ? { watch: { file: loaded.file, overrides: { host: values.host, port } } } : {});
    const log = server.runtime.logger;
    log.info({ url: server.url, config: loaded.file ?? '(environment)', providers: [...server.runtime.providers.keys()] }, `polymath listening on ${server.url}`);
    if (!loaded.file) for (const w of bittensorWarnings(process.env)) log.warn(w);
    if (server.runtime.providers.size === 0) log.warn('no provider is configured: set OPENAI_API_KEY (or another key) or write polymath.yaml');
    log.flush(); // the start-up lines now, not at the next batch
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log.info({ signal }, 'shutting down');
        server.close().then(resolve, resolve);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
