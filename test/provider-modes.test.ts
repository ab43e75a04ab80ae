/**
 * Every provider reports how it generates (`local`, `api` or `custom`): the network layer pays
 * rewards by it, and GET /health shows it. Each configurable provider type has a row here; a new
 * type fails the completeness test until it gets one.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerSchema, type ProviderConfig } from '../src/config/providers.js';
import { createProvider, type GenerationMode } from '../src/providers/index.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

import { STORIES_MODEL as MODEL } from './helpers/fixtures.js';
const ONCE = fileURLToPath(new URL('./fixtures/script/once.mjs', import.meta.url));

/** type → sample configs and the mode each must report */
const ROWS: Record<string, Array<[raw: Record<string, unknown>, mode: GenerationMode]>> = {
  'openai-compatible': [
    [{ preset: 'openai', api_key: 'sk-test' }, 'api'],
    [{ base_url: 'https://openrouter.ai/api/v1', api_key: 'sk-test' }, 'api'],
    [{ base_url: 'http://127.0.0.1:11434/v1' }, 'local'],
    [{ base_url: 'http://localhost:8000/v1' }, 'local'],
  ],
  anthropic: [[{ api_key: 'sk-ant-test' }, 'api']],
  gemini: [[{ api_key: 'gm-test' }, 'api']],
  'llama-cpp': [[{ model_path: MODEL }, 'local']],
  library: [[{}, 'local']],
  script: [[{ command: [process.execPath, ONCE] }, 'custom']],
  http: [[{ url: 'http://127.0.0.1:8000/generate' }, 'custom']],
  // A subnet's miners each report their own mode (in /availability); the provider itself is custom.
  subnet: [[{ metagraph: { source: 'static', file: './metagraph.yaml' }, wallet: { name: 'gateway', hotkey: 'default' } }, 'custom']],
};

/** the `type` literal of each option of the provider config union */
const CONFIGURABLE = providerSchema.options.map((o) => (o.shape.type as { value: string }).value);

describe('generation mode', () => {
  it('has an expected mode for every configurable provider type', () => {
    expect(CONFIGURABLE.filter((t) => !(t in ROWS))).toEqual([]);
  });

  for (const [type, rows] of Object.entries(ROWS)) {
    it.skipIf(!CONFIGURABLE.includes(type)).each(rows)(`${type} %j reports mode %s`, async (raw, mode) => {
      const cfg: ProviderConfig = providerSchema.parse({ type, ...raw });
      const provider = createProvider(`p-${type}`, cfg);
      try {
        expect(provider.type).toBe(type);
        expect(provider.mode).toBe(mode);
      } finally {
        await provider.close?.();
      }
    });
  }
});

describe('GET /health', () => {
  let pm: TestPolymath;
  beforeAll(async () => {
    pm = await startPolymath({
      providers: {
        cloud: { type: 'openai-compatible', base_url: 'https://api.example.org/v1', api_key: 'sk-test' },
        ollama: { type: 'openai-compatible', base_url: 'http://127.0.0.1:11434/v1' },
        mine: { type: 'script', command: [process.execPath, ONCE] },
        svc: { type: 'http', url: 'http://127.0.0.1:8000/generate' },
      },
    });
  });
  afterAll(async () => {
    await pm?.close();
  });

  it('lists each provider with its type and generation mode', async () => {
    const res = await fetch(`${pm.url}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { providers: Array<{ id: string; type: string; mode: string }> };
    const byId = Object.fromEntries(body.providers.map((p) => [p.id, p]));
    expect(byId.cloud).toMatchObject({ type: 'openai-compatible', mode: 'api' });
    expect(byId.ollama).toMatchObject({ type: 'openai-compatible', mode: 'local' });
    expect(byId.mine).toMatchObject({ type: 'script', mode: 'custom' });
    expect(byId.svc).toMatchObject({ type: 'http', mode: 'custom' });
  });
});
