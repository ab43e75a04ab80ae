/** `polymath miner [--config FILE]`: serve a subnet's validators until SIGINT or SIGTERM. */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.js';
import { MinerConfigError, startMiner } from '../network/miner/index.js';
import { WalletError } from '../network/wallet/index.js';
import { createLogger } from '../telemetry/logger.js';
import { USAGE_EXIT, type Command } from './types.js';

export const miner: Command = {
  usage: 'miner [--config FILE]',
  summary: 'serve a subnet as a miner: Epistula-signed chat and content through a route (default 0.0.0.0:8091)',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' } } });
    let loaded;
    try {
      loaded = loadConfig({ file: values.config });
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`polymath: ${err.message}\n`);
        return USAGE_EXIT;
      }
      throw err;
    }
    const log = createLogger(loaded.config.logging.level);
    let running;
    try {
      running = await startMiner(loaded.config, log);
    } catch (err) {
      if (err instanceof MinerConfigError || err instanceof WalletError) {
        process.stderr.write(`polymath: ${err.message}\n`);
        return err instanceof MinerConfigError ? USAGE_EXIT : 1;
      }
      throw err;
    }
    log.flush();
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log.info({ signal }, 'shutting down');
        running.close().then(resolve, resolve);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    log.flush();
    return 0;
  },
};
