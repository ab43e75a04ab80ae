/** `polymath wallet create|show --name N --hotkey H [--path DIR]`: bittensor hotkey files. */
import { parseArgs } from 'node:util';
import { createHotkeyFile, loadHotkey, WalletError } from '../network/wallet/index.js';
import { USAGE_EXIT, type Command } from './types.js';

const fail = (message: string, code = USAGE_EXIT) => {
  process.stderr.write(`polymath: ${message}\n`);
  return code;
};

export const wallet: Command = {
  usage: 'wallet create|show --name N --hotkey H [--path DIR]',
  summary: 'create or show a bittensor hotkey (prints the ss58 address, never the secret)',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { name: { type: 'string' }, hotkey: { type: 'string' }, path: { type: 'string' } },
    });
    const action = positionals[0];
    if (action !== 'create' && action !== 'show') return fail('wallet: say "create" or "show"');
    if (!values.name || !values.hotkey) return fail('wallet: --name and --hotkey are required');
    const loc = { name: values.name, hotkey: values.hotkey, path: values.path };
    try {
      if (action === 'create') {
        const { ss58, file } = await createHotkeyFile(loc);
        process.stdout.write(`${ss58}\n`);
        process.stderr.write(`wrote ${file} (keep it private: it holds the hotkey's secret)\n`);
      } else {
        const hotkey = await loadHotkey(loc);
        process.stdout.write(`${hotkey.ss58}\n`);
      }
      return 0;
    } catch (err) {
      if (err instanceof WalletError) return fail(err.message, 1);
      throw err;
    }
  },
};
