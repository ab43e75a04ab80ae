/** `polymath validator`: challenge a subnet's miners, score them, publish weights (GET /weights) and set them on chain. */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.js';
import { validatorSchema } from '../config/validator.js';
import { createMetagraphSource, Metagraph } from '../network/metagraph/index.js';
import { startValidatorServer, Validator } from '../network/validator/index.js';
import { loadHotkey } from '../network/wallet/index.js';
import { createRuntime } from '../runtime.js';
import { createLogger } from '../telemetry/logger.js';
import { USAGE_EXIT, type Command } from './types.js';

export const validator: Command = {
  usage: 'validator [--config FILE]',
  summary: 'score a subnet\'s miners and publish weights (default port 8092)',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' } } });
    let config;
    try {
      config = loadConfig({ file: values.config }).config;
      if (!config.network) throw new ConfigError('polymath validator needs a `network:` section (netuid, wallet, metagraph)');
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`polymath: ${err.message}\n`);
        return USAGE_EXIT;
      }
      throw err;
    }
    const network = config.network!;
    const cfg = config.validator ?? validatorSchema.parse({});
    const logger = createLogger(config.logging.level);
    const hotkey = await loadHotkey(network.wallet);
    const runtime = await createRuntime(config, logger);
    const m = network.metagraph;
    const metagraph = new Metagraph(createMetagraphSource(m, {}), { netuid: network.netuid, refreshMs: m.refresh_ms, timeoutMs: m.timeout_ms });
    await metagraph.start();
    const v = new Validator({ cfg, netuid: network.netuid, hotkey, metagraph, store: runtime.store, gateway: runtime, logger });
    await v.start();
    const server = await startValidatorServer(v, cfg.host, cfg.port);
    logger.info({ url: server.url, hotkey: hotkey.ss58, netuid: network.netuid, miners: metagraph.neurons().length }, `polymath validator listening on ${server.url}`);
    logger.flush();
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info({ signal }, 'shutting down');
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    await v.stop();
    metagraph.stop();
    await runtime.close();
    return 0;
  },
};
