/**
 * `polymath keys create --name NAME [--budget 0.50/day] [--rpm N] [--tpm N] [--routes a,b]`,
 * `polymath keys list`, `polymath keys revoke NAME|ID`: API keys in the configured store. A new key
 * is printed once; the store keeps only its sha256.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.js';
import { isPolymathError } from '../errors.js';
import { migrateToLatest, openStore } from '../store/index.js';
import { KeyStore, keyView } from '../usage/keys.js';
import { USAGE_EXIT, type Command } from './types.js';

const USAGE = 'keys create --name NAME [--budget USD/day|week|month] [--rpm N] [--tpm N] [--routes a,b] | keys list | keys revoke NAME|ID';

export const keys: Command = {
  usage: USAGE,
  summary: 'create, list and revoke API keys',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        name: { type: 'string' },
        budget: { type: 'string' },
        rpm: { type: 'string' },
        tpm: { type: 'string' },
        routes: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const [action, target] = positionals;
    if (action !== 'create' && action !== 'list' && action !== 'revoke') return usage('say create, list or revoke');
    if (action === 'create' && !values.name) return usage('create needs --name NAME');
    if (action === 'revoke' && !target) return usage('revoke needs a key name or id');
    const count = (flag: 'rpm' | 'tpm') => {
      const v = values[flag];
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${flag} must be a positive whole number (got "${v}")`);
      return Number(v);
    };

    let config;
    try {
      config = loadConfig({ file: values.config }).config;
    } catch (err) {
      if (err instanceof ConfigError) return usage(err.message);
      throw err;
    }
    const store = openStore(config.store.url);
    try {
      await migrateToLatest(store.db);
      const ks = new KeyStore(store.db, 0);
      if (action === 'list') {
        const list = (await ks.list()).map(keyView);
        if (values.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        else for (const k of list) process.stdout.write(`${k.id}  ${k.name.padEnd(20)} ${k.prefix}…  ${k.revoked_at ? 'revoked' : 'active '}  budget ${k.budget ?? '-'}  rpm ${k.rpm ?? '-'}  tpm ${k.tpm ?? '-'}  routes ${k.routes?.join(',') ?? '*'}\n`);
        return 0;
      }
      if (action === 'revoke') {
        const k = await ks.revoke(target!);
        if (!k) {
          process.stderr.write(`polymath: no key has the name or id "${target}"\n`);
          return 1;
        }
        process.stdout.write(`revoked ${k.name} (${k.id})\n`);
        return 0;
      }
      const { key, secret } = await ks.create({ name: values.name!, budget: values.budget, rpm: count('rpm'), tpm: count('tpm'), routes: values.routes?.split(',') });
      if (values.json) process.stdout.write(`${JSON.stringify({ ...keyView(key), key: secret }, null, 2)}\n`);
      else process.stdout.write(`${secret}\n`);
      process.stderr.write(`created key "${key.name}" (${key.id}); it is shown this once: store it now.\n`);
      return 0;
    } catch (err) {
      if (err instanceof UsageError || (isPolymathError(err) && err.kind === 'invalid_request')) return usage(err.message);
      throw err;
    } finally {
      await store.close();
    }
  },
};

class UsageError extends Error {}

function usage(message: string): number {
  process.stderr.write(`polymath: ${message}\nUsage: polymath ${USAGE}\n`);
  return USAGE_EXIT;
}
