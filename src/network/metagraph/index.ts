/** The metagraph: sources (static file, subtensor node, taostats REST) and the refreshed table. */
import type { MetagraphConfig } from '../../config/network.js';
import { StaticSource } from './static.js';
import { SubtensorSource } from './subtensor.js';
import { TAOSTATS_URL, TaostatsSource } from './taostats.js';
import type { MetagraphSource } from './types.js';

export { Metagraph, type MetagraphOptions } from './metagraph.js';
export { StaticSource } from './static.js';
export { SubtensorSource, RUNTIME_METHOD } from './subtensor.js';
export { TaostatsSource } from './taostats.js';
export type { MetagraphSource, Neuron } from './types.js';

export function createMetagraphSource(cfg: MetagraphConfig, opts: { env?: NodeJS.ProcessEnv } = {}): MetagraphSource {
  const env = opts.env ?? process.env;
  switch (cfg.source) {
    case 'static':
      return new StaticSource(cfg.file!);
    case 'subtensor':
      return new SubtensorSource(cfg.url!, cfg.timeout_ms);
    case 'taostats':
      return new TaostatsSource({ url: cfg.url ?? TAOSTATS_URL, apiKey: cfg.api_key ?? env.TAOSTATS_API_KEY, pageSize: cfg.page_size });
  }
}
