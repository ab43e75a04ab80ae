/**
 * `polymath wallet create|show --name N --hotkey H [--path DIR] [--encrypt] [--password-env VAR]`:
 * bittensor hotkey files. A password is read from an environment variable (default
 * BT_WALLET_PASSWORD), never from the command line, where other users' `ps` would see it.
 */
import { parseArgs } from 'node:util';
import { createHotkeyFile, loadHotkey, PASSWORD_ENV, WalletError } from '../network/wallet/index.js';
import { USAGE_EXIT, type Command } from './types.js';

const fail = (message: string, code = USAGE_EXIT) => {
  process.stderr.write(`polymath: ${message}\n`);
  return code;
};

export const wallet: Command = {
  usage: 'wallet create|show --name N --hotkey H [--path DIR] [--encrypt] [--password-env VAR]',
  summary: `create or show a bittensor hotkey (prints the ss58 address, never the secret); --encrypt writes bittensor's $NACL form with the password in $VAR (default ${PASSWORD_ENV})`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        hotkey: { type: 'string' },
        path: { type: 'string' },
        encrypt: { type: 'boolean', default: false },
        'password-env': { type: 'string' },
      },
    });
    const action = positionals[0];
    if (action !== 'create' && action !== 'show') return fail('wallet: say "create" or "show"');
    if (!values.name || !values.hotkey) return fail('wallet: --name and --hotkey are required');
    if (values.encrypt && action !== 'create') return fail('wallet: --encrypt goes with "create"');
    const passwordEnv = values['password-env'] ?? PASSWORD_ENV;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(passwordEnv)) return fail('wallet: --password-env takes the name of an environment variable, not a password');
    const password = process.env[passwordEnv] || undefined;
    if (values.encrypt && !password) return fail(`wallet: --encrypt reads the password from the environment variable ${passwordEnv}, which is not set`);
    if (values['password-env'] && !password) return fail(`wallet: the environment variable ${passwordEnv} is not set`);
    // Without --password-env, show lets loadHotkey fall back to $BT_WALLET_PASSWORD itself, as the miner does.
    const explicit = values['password-env'] !== undefined;
    const loc = { name: values.name, hotkey: values.hotkey, path: values.path };
    try {
      if (action === 'create') {
        const { ss58, file } = await createHotkeyFile({ ...loc, password: values.encrypt ? password : undefined });
        process.stdout.write(`${ss58}\n`);
        process.stderr.write(`wrote ${file}${values.encrypt ? ' (encrypted, $NACL)' : ''} (keep it private: it holds the hotkey's secret)\n`);
      } else {
        const hotkey = explicit ? await loadHotkey({ ...loc, password }, {}) : await loadHotkey(loc);
        process.stdout.write(`${hotkey.ss58}\n`);
      }
      return 0;
    } catch (err) {
      if (err instanceof WalletError) return fail(err.message, 1);
      throw err;
    }
  },
};
