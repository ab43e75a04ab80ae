#!/usr/bin/env node
/** The `polymath` command. */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config/index.js';
import { startServer } from './server/index.js';
import { VERSION } from './version.js';

const HELP = `polymath ${VERSION} — an AI gateway for learning apps

Usage:
  polymath serve [--config FILE] [--host HOST] [--port PORT]   serve the API (default 127.0.0.1:8787)
  polymath --help                                              show this help
  polymath --version                                           print the version

Config: --config FILE, else $POLYMATH_CONFIG, else ./polymath.yaml, else the environment
(OPENAI_API_KEY, OPENROUTER_API_KEY, PERPLEXITY_API_KEY; LLM_PROVIDER picks the first).
Exit codes: 0 ok, 1 runtime failure, 2 bad usage or invalid config.`;

/** Exit code for bad usage and invalid config. */
const USAGE = 2;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        host: { type: 'string' },
        port: { type: 'string', short: 'p' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    process.stderr.write(`polymath: ${(err as Error).message}\n\n${HELP}\n`);
    return USAGE;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = positionals[0];
  if (values.help || command === 'help' || command === undefined) {
    process.stdout.write(`${HELP}\n`);
    return command === undefined && !values.help ? USAGE : 0;
  }
  if (command !== 'serve') {
    process.stderr.write(`polymath: unknown command "${command}"\n\n${HELP}\n`);
    return USAGE;
  }

  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      process.stderr.write(`polymath: --port must be an integer from 0 to 65535 (got "${values.port}")\n`);
      return USAGE;
    }
  }

  let loaded;
  try {
    loaded = loadConfig({ file: values.config, overrides: { host: values.host, port } });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`polymath: ${err.message}\n`);
      return USAGE;
    }
    throw err;
  }

  const server = await startServer(loaded.config);
  const log = server.runtime.logger;
  log.info({ url: server.url, config: loaded.file ?? '(environment)', providers: [...server.runtime.providers.keys()] }, `polymath listening on ${server.url}`);
  if (server.runtime.providers.size === 0) {
    log.warn('no provider is configured: set OPENAI_API_KEY (or another key) or write polymath.yaml');
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'shutting down');
      server.close().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`polymath: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
