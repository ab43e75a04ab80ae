import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { openAIBehaviour, openAIError, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';

const lines: string[] = [];
let upstream: FakeOpenAI;
let server: RunningServer;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const config = parseConfig({
    server: { port: 0 },
    store: { url: 'sqlite://:memory:' },
    logging: { level: 'trace' },
    providers: { up: { type: 'openai-compatible', base_url: upstream.url, api_key: 'sk-upstream-SECRET-1', default_model: 'm' } },
  });
  server = await startServer(config, createLogger('trace', sink));
});
afterAll(async () => {
  await server?.close();
  await upstream?.close();
});

it('logs one JSON line per request with the request id, and never a key or Authorization header', async () => {
  const call = (model: string) =>
    fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-SECRET-2', 'x-request-id': `log-test-${model}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
  await call('up');
  upstream.behave = (_req, res) => openAIError(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
  await call('up');
  await server.runtime.logger.flush?.();
  const all = lines.join('\n');
  expect(all).not.toMatch(/SECRET/);
  const requestLines = lines.map((l) => JSON.parse(l)).filter((l) => typeof l.reqId === 'string' && l.reqId.startsWith('log-test'));
  expect(requestLines.map((l) => [l.reqId, l.status])).toEqual([
    ['log-test-up', 200],
    ['log-test-up', 502],
  ]);
  expect(requestLines[1].error).toMatch(/HTTP 401/);
});

it('redacts secrets even when code logs a config or headers object', () => {
  lines.length = 0;
  server.runtime.logger.info({ config: { providers: { up: { api_key: 'sk-SECRET-3' } } }, headers: { authorization: 'Bearer SECRET-4' } }, 'debug dump');
  expect(lines.join('\n')).not.toMatch(/SECRET/);
  expect(lines.join('\n')).toMatch(/\[redacted\]/);
});

it('`polymath serve` writes its lines to stdout in batches: the start-up line at once, a request within the flush interval, the rest at exit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'polymath-log-'));
  const file = join(dir, 'polymath.yaml');
  writeFileSync(file, `server: { host: 127.0.0.1, port: 0 }\nstore: { url: "sqlite://${join(dir, 'p.db')}" }\nproviders:\n  up: { type: openai-compatible, base_url: "${upstream.url}", default_model: m }\n`);
  upstream.behave = openAIBehaviour;
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'src', 'cli.ts'), 'serve', '--config', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const until = async (what: () => boolean, ms: number) => {
    for (const end = Date.now() + ms; !what(); ) {
      if (Date.now() > end) throw new Error(`not in stdout within ${ms} ms:\n${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  try {
    await until(() => /polymath listening on/.test(out), 30_000);
    const url = JSON.parse(out.split('\n').find((l) => l.includes('polymath listening on'))!).url as string;
    const call = (id: string) =>
      fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body: JSON.stringify({ model: 'up', messages: [{ role: 'user', content: 'hi' }] }) });
    expect((await call('batched-1')).status).toBe(200);
    await until(() => out.includes('"reqId":"batched-1"'), 5_000);
    expect((await call('batched-2')).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { reqId?: string; msg: string });
    expect(lines.filter((l) => l.reqId?.startsWith('batched-')).map((l) => l.reqId)).toEqual(['batched-1', 'batched-2']);
    expect(lines.at(-1)?.msg).toBe('shutting down');
  } finally {
    child.kill('SIGKILL');
  }
});
