/**
 * Config reload: a change to the file (or SIGHUP) takes effect at once, a bad new file is
 * rejected and logged while the old config keeps serving, and requests in flight finish.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { providerOf, startFaulty, type FaultyUpstream } from './helpers/faulty-upstream.js';

let a: FaultyUpstream, b: FaultyUpstream, slow: FaultyUpstream;
let server: RunningServer | undefined;
const logs: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'polymath-reload-'));

beforeAll(async () => {
  [a, b, slow] = await Promise.all([startFaulty('ok', { text: 'A' }), startFaulty('ok', { text: 'B' }), startFaulty('slow', { delayMs: 700, text: 'S' })]);
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(async () => {
  await Promise.all([a, b, slow].map((u) => u?.close()));
});

function config(routes: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    server: { host: '127.0.0.1', port: 0 },
    store: { url: 'sqlite://:memory:' },
    providers: { a: providerOf(a), b: providerOf(b), slow: providerOf(slow) },
    routes,
    ...extra,
  };
}

async function start(file: string, raw: Record<string, unknown>, watch: { watchFile?: boolean } = {}) {
  writeFileSync(file, stringify(raw));
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const loaded = loadConfig({ file, env: {} });
  server = await startServer(loaded.config, createLogger('info', sink), { watch: { file, env: {}, debounceMs: 50, ...watch } });
  return new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0 });
}

async function answer(client: OpenAI, model = 'default'): Promise<string> {
  const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
  return r.choices[0].message.content ?? '';
}

async function until(check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

describe('config reload', () => {
  it('applies a changed file at once: a flag switched on adds its target', async () => {
    const file = join(dir, 'flag.yaml');
    const client = await start(file, config({ default: { targets: [{ provider: 'a', flag: 'USE_A' }, { provider: 'b' }] } }, { flags: { USE_A: false } }));
    expect(await answer(client)).toBe('B');
    writeFileSync(file, stringify(config({ default: { targets: [{ provider: 'a', flag: 'USE_A' }, { provider: 'b' }] } }, { flags: { USE_A: true } })));
    await until(async () => (await answer(client)) === 'A');
  });

  it('rejects a bad new file, logs why, and keeps serving the old config', async () => {
    const file = join(dir, 'bad.yaml');
    const client = await start(file, config({ default: { targets: [{ provider: 'a' }] } }));
    logs.length = 0;
    writeFileSync(file, stringify(config({ default: { targets: [{ route: 'loop' }] }, loop: { targets: [{ route: 'default' }] } })));
    await until(() => logs.some((l) => l.includes('config reload rejected')));
    expect(logs.find((l) => l.includes('config reload rejected'))).toMatch(/routes form a cycle/);
    expect(await answer(client)).toBe('A');
    writeFileSync(file, 'routes: [this is: not valid');
    await until(() => logs.filter((l) => l.includes('config reload rejected')).length >= 2);
    expect(await answer(client)).toBe('A');
  });

  it('reloads on SIGHUP', async () => {
    const file = join(dir, 'hup.yaml');
    const client = await start(file, config({ default: { targets: [{ provider: 'a' }] } }), { watchFile: false });
    writeFileSync(file, stringify(config({ default: { targets: [{ provider: 'b' }] } })));
    await new Promise((r) => setTimeout(r, 200));
    expect(await answer(client)).toBe('A');
    process.kill(process.pid, 'SIGHUP');
    await until(async () => (await answer(client)) === 'B');
  });

  it('lets a request in flight finish on a provider the new config removed', async () => {
    const file = join(dir, 'inflight.yaml');
    const client = await start(file, config({ default: { targets: [{ provider: 'slow' }] } }));
    // watch when the replaced provider gets closed: only after its call in flight has finished
    const old = server!.runtime.providers.get('slow')!;
    const close = old.close!.bind(old);
    let closedAt = 0;
    old.close = () => {
      closedAt = Date.now();
      return close();
    };
    let answeredAt = 0;
    const pending = answer(client).then((text) => {
      answeredAt = Date.now();
      return text;
    });
    await new Promise((r) => setTimeout(r, 100));
    const next = config({ default: { targets: [{ provider: 'b' }] } });
    writeFileSync(file, stringify({ ...next, providers: { a: providerOf(a), b: providerOf(b) } }));
    expect(await server!.watcher!.reload('test')).toBe(true);
    expect(server!.runtime.providers.has('slow')).toBe(false);
    expect(await answer(client)).toBe('B');
    expect(closedAt).toBe(0);
    expect(await pending).toBe('S');
    await until(() => closedAt > 0);
    expect(closedAt).toBeGreaterThanOrEqual(answeredAt - 50);
  });
});
