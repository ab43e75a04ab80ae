import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { openAIError, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';

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
