/**
 * The Bittensor environment of existing apps, with no config file: `LLM_PROVIDER=bittensor` and
 * `ENABLE_BITTENSOR_SUBNET_1=1` put a `bittensor` subnet provider first in the default route.
 *
 *   BITTENSOR_SUBNET_1_URL     the metagraph source: ws(s):// a subtensor node, http(s):// a
 *                              taostats-compatible API, anything else a static file
 *   BITTENSOR_API_KEY          the taostats key
 *   BITTENSOR_WALLET_NAME      the signing wallet (default "default")
 *   BITTENSOR_WALLET_HOTKEY    its hotkey (default "default")
 *   BITTENSOR_NETUID           default 1
 *   BITTENSOR_FALLBACK_ENABLED "0" leaves the subnet alone in the route
 */

/** Bittensor's public finney endpoint, used when BITTENSOR_SUBNET_1_URL is not set. */
export const FINNEY_URL = 'wss://entrypoint-finney.opentensor.ai:443';

const on = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
const off = (v: string | undefined) => v !== undefined && /^(0|false|no|off)$/i.test(v.trim());

export function wantsBittensor(env: NodeJS.ProcessEnv): boolean {
  return env.LLM_PROVIDER?.trim().toLowerCase() === 'bittensor';
}

/** The subnet provider's raw config, or undefined when the flag is off. */
export function bittensorProvider(env: NodeJS.ProcessEnv): Record<string, unknown> | undefined {
  if (!wantsBittensor(env) || !on(env.ENABLE_BITTENSOR_SUBNET_1)) return undefined;
  const url = env.BITTENSOR_SUBNET_1_URL?.trim() || FINNEY_URL;
  const metagraph = /^wss?:\/\//i.test(url)
    ? { source: 'subtensor', url }
    : /^https?:\/\//i.test(url)
      ? { source: 'taostats', url, ...(env.BITTENSOR_API_KEY ? { api_key: env.BITTENSOR_API_KEY } : {}) }
      : { source: 'static', file: url };
  const netuid = Number(env.BITTENSOR_NETUID ?? 1);
  return {
    type: 'subnet',
    netuid: Number.isInteger(netuid) ? netuid : env.BITTENSOR_NETUID,
    metagraph,
    wallet: { name: env.BITTENSOR_WALLET_NAME || 'default', hotkey: env.BITTENSOR_WALLET_HOTKEY || 'default' },
  };
}

/** Whether the other providers follow the subnet in the default route. */
export function bittensorFallback(env: NodeJS.ProcessEnv): boolean {
  return !off(env.BITTENSOR_FALLBACK_ENABLED);
}

/** What start-up should warn about: bittensor asked for without its flag. */
export function bittensorWarnings(env: NodeJS.ProcessEnv): string[] {
  if (wantsBittensor(env) && !on(env.ENABLE_BITTENSOR_SUBNET_1)) {
    return ['LLM_PROVIDER=bittensor but ENABLE_BITTENSOR_SUBNET_1 is not set: the subnet is off, and the next provider comes first'];
  }
  return [];
}
