import { afterAll, beforeAll, expect, it } from 'vitest';
import { chunk, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

let upstream: FakeOpenAI;
let pm: TestPolymath;
let upstreamClosed: Promise<void>;

beforeAll(async () => {
  let markClosed!: () => void;
  upstreamClosed = new Promise((resolve) => (markClosed = resolve));
  // An upstream that streams a chunk every 20 ms for as long as someone listens.
  upstream = await startFakeOpenAI((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const timer = setInterval(() => res.write(`data: ${JSON.stringify(chunk(req.body.model, { content: 'tick ' }))}\n\n`), 20);
    res.on('close', () => {
      clearInterval(timer);
      markClosed();
    });
  });
  pm = await startPolymath({ providers: { up: { type: 'openai-compatible', base_url: upstream.url, default_model: 'm' } } });
});
afterAll(async () => {
  await pm?.close();
  await upstream?.close();
});

it('a client that disconnects mid-stream aborts the upstream request', async () => {
  const controller = new AbortController();
  const stream = await pm.client.chat.completions.create({ model: 'up', messages: [{ role: 'user', content: 'go' }], stream: true }, { signal: controller.signal });
  let seen = 0;
  try {
    for await (const _ of stream) {
      // Chunks already read in one socket read may still be yielded after abort(): stop here.
      if (++seen === 3) {
        controller.abort();
        break;
      }
    }
  } catch {
    // the openai client may end the loop quietly or with an abort error
  }
  expect(seen).toBe(3);
  // The upstream connection closes because Polymath aborted it; without that this never resolves.
  await upstreamClosed;
  await pm.runtime.requestLog.flush();
  await new Promise((r) => setTimeout(r, 50));
  await pm.runtime.requestLog.flush();
  const rows = await pm.runtime.store.db.selectFrom('requests').selectAll().execute();
  expect(rows.at(-1)).toMatchObject({ status: 499, error_kind: 'client_closed', stream: 1 });
});

it('shutdown waits for requests in flight only up to server.shutdown_grace_ms', async () => {
  // An upstream that never answers holds a request in flight; close() must still finish.
  const silent = await startFakeOpenAI(() => {});
  const held = await startPolymath({
    server: { shutdown_grace_ms: 200 },
    providers: { up: { type: 'openai-compatible', base_url: silent.url, default_model: 'm', timeout_ms: 60_000 } },
  });
  const pending = held.client.chat.completions.create({ model: 'up', messages: [{ role: 'user', content: 'hang' }] }).catch((e: unknown) => e);
  while (silent.received.length === 0) await new Promise((r) => setTimeout(r, 10));
  await held.close();
  expect(await pending).toBeInstanceOf(Error);
  await silent.close();
});
