#!/usr/bin/env -S node --single-threaded-gc --min-semi-space-size=32 --max-semi-space-size=32
/** The `polymath` command: dispatches to a subcommand in src/commands/. */
import { generate } from './commands/generate.js';
import { keys } from './commands/keys.js';
import { miner } from './commands/miner.js';
import { models } from './commands/models.js';
import { serve } from './commands/serve.js';
import { USAGE_EXIT, type Command } from './commands/types.js';
import { validator } from './commands/validator.js';
import { wallet } from './commands/wallet.js';
import { VERSION } from './version.js';

const COMMANDS: Record<string, Command> = {
  serve,
  models,
  generate,
  keys,
  wallet,
  miner,
  validator,
};

function help(): string {
  // Usages are long: each goes on its own line, its summary indented below it.
  const lines = Object.values(COMMANDS).map((c) => `  polymath ${c.usage}\n      ${c.summary}`);
  return `polymath ${VERSION} — an AI gateway for learning apps

Usage:
${lines.join('\n')}
  polymath --help
      show this help
  polymath --version
      print the version

Config: --config FILE, else $POLYMATH_CONFIG, else ./polymath.yaml, else the environment
(OPENAI_API_KEY, OPENROUTER_API_KEY, PERPLEXITY_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY; LLM_PROVIDER picks\nthe first; LLM_PROVIDER=bittensor with ENABLE_BITTENSOR_SUBNET_1=1 puts a subnet first).
Exit codes: 0 ok, 1 runtime failure, 2 bad usage or invalid config.`;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${help()}\n`);
    return 0;
  }
  const command = first === undefined ? undefined : COMMANDS[first];
  if (!command) {
    process.stderr.write(`${first === undefined ? '' : `polymath: unknown command "${first}"\n\n`}${help()}\n`);
    return USAGE_EXIT;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`polymath ${command.usage}\n  ${command.summary}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    // parseArgs rejects unknown or malformed options with a TypeError carrying an ERR_PARSE_ARGS code.
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`polymath: ${(err as Error).message}\n`);
      return USAGE_EXIT;
    }
    throw err;
  }
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
