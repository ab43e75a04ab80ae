/** `polymath generate <kind> --topic ... --grade ...`: one piece of content, in-process, printed readable or as JSON. */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.js';
import { generateContent, isKind, KIND_NAMES, parseContentBody } from '../content/index.js';
import { renderText } from '../content/render-text.js';
import { isPolymathError } from '../errors.js';
import { createRuntime } from '../runtime.js';
import { createLogger } from '../telemetry/logger.js';
import { USAGE_EXIT, type Command } from './types.js';

const fail = (message: string, code = USAGE_EXIT) => {
  process.stderr.write(`polymath: ${message}\n`);
  return code;
};

export const generate: Command = {
  usage: 'generate <kind> --topic T [--grade G|--age N] [--text T] [--count N] [--model M] [--json] [--config FILE]',
  summary: `write learning content (${KIND_NAMES.join(', ')})`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        topic: { type: 'string', short: 't' },
        text: { type: 'string' },
        grade: { type: 'string', short: 'g' },
        age: { type: 'string' },
        language: { type: 'string' },
        interests: { type: 'string' },
        count: { type: 'string', short: 'n' },
        format: { type: 'string' },
        model: { type: 'string', short: 'm' },
        json: { type: 'boolean' },
        config: { type: 'string', short: 'c' },
      },
    });
    const kind = positionals[0];
    if (!kind || !isKind(kind)) return fail(`${kind ? `unknown kind "${kind}"` : 'name a kind'}; kinds: ${KIND_NAMES.join(', ')}`);
    const num = (v: string | undefined) => (v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v);
    const grade = values.grade === undefined ? undefined : /^k$/i.test(values.grade) ? 'K' : values.grade === 'adult' ? 'adult' : num(values.grade);
    const persona = Object.fromEntries(
      Object.entries({ grade, age: num(values.age), language: values.language, interests: values.interests?.split(',').map((s) => s.trim()) }).filter(([, v]) => v !== undefined),
    );
    const options = Object.fromEntries(Object.entries({ count: num(values.count), format: values.format }).filter(([, v]) => v !== undefined));
    let req;
    let loaded;
    try {
      req = parseContentBody(kind, { topic: values.topic, text: values.text, persona, options, model: values.model });
      loaded = loadConfig({ file: values.config });
    } catch (err) {
      if (err instanceof ConfigError || (isPolymathError(err) && err.kind === 'invalid_request')) return fail(err.message.replace(/^Invalid request: /, ''));
      throw err;
    }
    const rt = await createRuntime(loaded.config, createLogger('silent'));
    try {
      const result = await generateContent(rt, req, { signal: AbortSignal.timeout(600_000), requestId: `cli-${Date.now()}` });
      process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : renderText(result));
      return 0;
    } catch (err) {
      if (isPolymathError(err)) return fail(`${err.kind}: ${err.message}`, 1);
      throw err;
    } finally {
      await rt.close();
    }
  },
};
