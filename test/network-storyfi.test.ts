/** A StoryFi miner's `generator_config.yaml`, accepted as-is as the miner's generator chain. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { ReplayCache, verifyHeaders } from '../src/network/epistula.js';
import { startMiner, type RunningMiner } from '../src/network/miner/index.js';
import { withStoryfiChain } from '../src/network/miner/storyfi.js';
import { createHotkeyFile, hotkeyFromMnemonic } from '../src/network/wallet/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { ANSWER_WINDOW, signingClient } from './helpers/epistula-client.js';
import { anthropicError, startFakeAnthropic, type FakeAnthropic } from './helpers/fake-anthropic.js';
import { STORIES_MODEL } from './helpers/fixtures.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/script/miner-generator.mjs', import.meta.url));
let dir: string;
let api: FakeAnthropic;
let miner: RunningMiner | undefined;

beforeAll(async () => {
  await cryptoWaitReady();
  dir = mkdtempSync(join(tmpdir(), 'polymath-storyfi-'));
  api = await startFakeAnthropic((_req, res) => anthropicError(res, 529, 'overloaded_error', 'Overloaded'));
});
afterAll(async () => {
  await miner?.close();
  await api?.close();
});

const base = (extra: Record<string, unknown> = {}) => ({
  store: { url: 'sqlite://:memory:' },
  network: { netuid: 2, wallet: { name: 'sf', path: join(dir, 'wallets') }, metagraph: { source: 'static', file: join(dir, 'metagraph.yaml') } },
  miner: { host: '127.0.0.1', port: 0, generator_config: join(dir, 'generator_config.yaml'), health_interval_ms: 0 },
  routing: { health_interval_ms: 0 },
  ...extra,
});

describe('StoryFi generator_config.yaml', () => {
  it('becomes providers and a route, the configured mode first', () => {
    writeFileSync(
      join(dir, 'generator_config.yaml'),
      `generator:\n  mode: custom\n  local: { model_path: ${STORIES_MODEL}, threads: 1 }\n  api: { provider: anthropic, api_key: "\${SF_KEY}", model: claude-haiku-4-5 }\n  custom: { script: ${SCRIPT} }\n`,
    );
    const cfg = withStoryfiChain(parseConfig(base()), join(dir, 'generator_config.yaml'), { SF_KEY: 'sk-ant-x' });
    expect(cfg.miner!.route).toBe('generator');
    expect(cfg.routes.generator!.targets.map((t) => t.provider)).toEqual(['generator-custom', 'generator-local', 'generator-api']);
    expect(cfg.providers['generator-local']).toMatchObject({ type: 'llama-cpp', model_path: STORIES_MODEL, threads: 1 });
    expect(cfg.providers['generator-api']).toMatchObject({ type: 'anthropic', api_key: 'sk-ant-x', default_model: 'claude-haiku-4-5' });
    expect(cfg.providers['generator-custom']).toMatchObject({ type: 'script', command: [process.execPath, SCRIPT] });
  });

  it('serves through it: the API fails, the custom script answers, and the mode says so', async () => {
    writeFileSync(join(dir, 'generator_config.yaml'), `generator:\n  mode: api\n  api: { provider: anthropic, api_key: sk-ant-x, base_url: "${api.url}", model: claude-haiku-4-5 }\n  custom: { script: ${SCRIPT} }\n`);
    const validator = hotkeyFromMnemonic('legal winner thank year wave sausage worth useful legal winner thank yellow');
    await createHotkeyFile({ name: 'sf', hotkey: 'default', path: join(dir, 'wallets') });
    writeFileSync(join(dir, 'metagraph.yaml'), `- { uid: 0, hotkey: ${validator.ss58}, coldkey: ${validator.ss58}, stake: 1 }\n`);
    miner = await startMiner(parseConfig(base()), createLogger('silent'));
    const { client, answers } = signingClient(miner.url, validator, miner.hotkey);
    const res = await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'tell a story' }] });
    expect(res.choices[0]!.message.content).toContain('custom: ');
    const answer = await answers[0]!;
    expect(answer.headers['x-polymath-provider']).toBe('generator-custom');
    expect(verifyHeaders(answer.headers, answer.body, { self: validator.ss58, replay: new ReplayCache(), ...ANSWER_WINDOW }).ok).toBe(true);
    expect(miner.chain.state()).toMatchObject({ route: 'generator', active_mode: 'custom', fallbacks: 1 });
  });

  it('names a missing section clearly', () => {
    writeFileSync(join(dir, 'bad.yaml'), 'generator:\n  mode: local\n  api: { provider: openai, api_key: k }\n');
    expect(() => withStoryfiChain(parseConfig(base()), join(dir, 'bad.yaml'))).toThrow(/generator.mode is local but there is no `local` section/);
  });
});
