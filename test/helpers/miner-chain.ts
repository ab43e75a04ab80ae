/** The generator chain the miner tests serve: stories260K under llama.cpp, then a script, then an API (which the tests make fail). */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAKE_ANTHROPIC_KEY } from './fake-anthropic.js';
import { STORIES_MODEL } from './fixtures.js';

const SCRIPT = fileURLToPath(new URL('../fixtures/script/miner-generator.mjs', import.meta.url));

/** polymath.yaml as an object: `dir` holds metagraph.yaml, `wallets` the miner's hotkey `miner/default`. */
export function chainConfig(dir: string, apiUrl: string, wallets: string, extra: Record<string, unknown> = {}) {
  return {
    server: { host: '127.0.0.1', port: 0 },
    store: { url: 'sqlite://:memory:', flush_ms: 20 },
    providers: {
      local: { type: 'llama-cpp', model_path: STORIES_MODEL, threads: 1, parallel: 1, context_size: 4096 },
      script: { type: 'script', command: [process.execPath, SCRIPT], persistent: true },
      cloud: { type: 'anthropic', base_url: apiUrl, api_key: FAKE_ANTHROPIC_KEY, default_model: 'claude-haiku-4-5' },
    },
    routes: {
      chain: {
        strategy: 'fallback',
        // A prompt too long for the local model's context moves on like any other failure.
        fallback_on: { kinds: ['invalid_request', 'upstream_error', 'upstream_invalid', 'upstream_timeout', 'upstream_unreachable', 'rate_limited', 'queue_full', 'no_healthy_target'] },
        targets: [{ provider: 'local' }, { provider: 'script' }, { provider: 'cloud' }],
      },
    },
    routing: { health_interval_ms: 0 },
    network: { netuid: 1, wallet: { name: 'miner', hotkey: 'default', path: wallets }, metagraph: { source: 'static', file: join(dir, 'metagraph.yaml'), refresh_ms: 60_000 } },
    miner: { host: '127.0.0.1', port: 0, route: 'chain', min_caller_stake: 100, require_validator_permit: true, subjects: ['science'], health_interval_ms: 0 },
    ...extra,
  };
}

