/**
 * Fault injection, streaming: a failure before any content reached the client moves on to the
 * next target invisibly; a failure after content ends the stream with an SSE error event and no
 * [DONE], and is recorded as a failure; a stream that ends without a finish reason is a failure.
 * Deadlines: connect (first event), first token, total.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunk, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { assertSchema } from './helpers/openapi.js';
import { providerOf, SSE, startFaulty, type Fault, type FaultyUpstream } from './helpers/faulty-upstream.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

const BEFORE_CONTENT: Array<[Fault, string]> = [
  ['cut-before-first-chunk', 'cuts the stream before the first chunk'],
  ['500', 'answers HTTP 500'],
  ['429', 'answers 429 with Retry-After'],
  ['hang', 'hangs forever'],
  ['malformed-json', 'sends a malformed JSON chunk'],
  ['malformed-sse', 'sends something that is not SSE'],
];

const ups = new Map<string, FaultyUpstream>();
let good: FaultyUpstream;
let slowFirstToken: FakeOpenAI;
let stall: FakeOpenAI;
let pm: TestPolymath;

beforeAll(async () => {
  good = await startFaulty('ok', { text: 'Hello from good' });
  // Answers at once with a role chunk, but its first content only after 600 ms.
  slowFirstToken = await startFakeOpenAI(async (req, res) => {
    res.writeHead(200, SSE);
    res.write(`data: ${JSON.stringify(chunk(req.body.model, { role: 'assistant', content: '' }))}\n\n`);
    await new Promise((r) => setTimeout(r, 600));
    if (res.destroyed) return;
    res.write(`data: ${JSON.stringify(chunk(req.body.model, { content: 'late' }))}\n\n`);
    res.write(`data: ${JSON.stringify(chunk(req.body.model, {}, 'stop'))}\n\n`);
    res.end('data: [DONE]\n\n');
  });
  // Sends content, then stalls forever.
  stall = await startFakeOpenAI((req, res) => {
    res.writeHead(200, SSE);
    res.write(`data: ${JSON.stringify(chunk(req.body.model, { role: 'assistant', content: 'Once' }))}\n\n`);
  });
  const providers: Record<string, unknown> = { good: providerOf(good), slowft: providerOf(slowFirstToken), stall: providerOf(stall) };
  const routes: Record<string, unknown> = {};
  for (const f of [...BEFORE_CONTENT.map(([f]) => f), 'cut-after-first-chunk', 'no-finish-reason', 'slow'] as Fault[]) {
    const up = await startFaulty(f, { retryAfter: '0', delayMs: 500 });
    ups.set(f, up);
    providers[`bad${f}`] = providerOf(up);
    routes[`s-${f}`] = { timeout: { first_token_ms: 400 }, targets: [{ provider: `bad${f}` }, { provider: 'good' }] };
  }
  routes['connect'] = { timeout: { connect_ms: 150 }, targets: [{ provider: 'badslow' }, { provider: 'good' }] };
  routes['first-token'] = { timeout: { connect_ms: 2000, first_token_ms: 250 }, targets: [{ provider: 'slowft' }, { provider: 'good' }] };
  routes['first-token-lenient'] = { timeout: { connect_ms: 2000, first_token_ms: 3000 }, targets: [{ provider: 'slowft' }, { provider: 'good' }] };
  routes['total'] = { timeout: { total_ms: 400 }, targets: [{ provider: 'stall' }, { provider: 'good' }] };
  pm = await startPolymath({ providers, routes });
});
afterAll(async () => {
  await pm?.close();
  await Promise.all([good, slowFirstToken, stall, ...ups.values()].map((u) => u?.close()));
});

interface Streamed {
  status: number;
  headers: Headers;
  events: string[];
  text: string;
  id: string;
}

async function stream(model: string): Promise<Streamed> {
  const id = randomUUID();
  const res = await fetch(`${pm.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': id },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const raw = await res.text();
  const events = raw.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
  let text = '';
  for (const e of events) {
    if (e === '[DONE]') continue;
    const parsed = JSON.parse(e);
    if (parsed.choices) {
      assertSchema('CreateChatCompletionStreamResponse', parsed);
      text += parsed.choices[0]?.delta?.content ?? '';
    }
  }
  return { status: res.status, headers: res.headers, events, text, id };
}

async function logged(id: string) {
  await pm.runtime.requestLog.flush();
  return pm.runtime.store.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
}

describe('a stream that fails before any content', () => {
  for (const [f, what] of BEFORE_CONTENT) {
    it(`moves on invisibly when the first target ${what}`, async () => {
      const r = await stream(`s-${f}`);
      expect(r.status).toBe(200);
      expect(r.text).toBe('Hello from good');
      expect(r.events.at(-1)).toBe('[DONE]');
      expect(r.events.some((e) => e.includes('"error"'))).toBe(false);
      expect(r.headers.get('x-polymath-attempts')).toBe('2');
      expect(r.headers.get('x-polymath-provider')).toBe('good');
    });
  }

  it('moves on when the first target does not start answering within connect_ms', async () => {
    const r = await stream('connect');
    expect(r.text).toBe('Hello from good');
    expect(r.headers.get('x-polymath-attempts')).toBe('2');
  });

  it('moves on when the first content does not come within first_token_ms, though the upstream answered', async () => {
    const r = await stream('first-token');
    expect(r.text).toBe('Hello from good');
    expect(r.headers.get('x-polymath-attempts')).toBe('2');
  });

  it('waits for a slow first token when first_token_ms allows it', async () => {
    const r = await stream('first-token-lenient');
    expect(r.text).toBe('late');
    expect(r.headers.get('x-polymath-provider')).toBe('slowft');
  });
});

describe('a stream that fails after content reached the client', () => {
  it('ends with an SSE error event and no [DONE] when the upstream cuts it after the first chunk, and records a failure', async () => {
    const before = good.calls();
    const r = await stream('s-cut-after-first-chunk');
    expect(r.status).toBe(200);
    expect(r.text).toBe('Hel');
    expect(r.events).not.toContain('[DONE]');
    const last = JSON.parse(r.events.at(-1)!);
    assertSchema('ErrorResponse', last);
    expect(good.calls()).toBe(before);
    const row = await logged(r.id);
    expect(row?.status).toBeGreaterThanOrEqual(500);
    expect(row?.error_kind).toMatch(/^upstream_/);
  });

  it('treats a stream that ends without a finish reason as a failure: error event, no [DONE], recorded', async () => {
    const r = await stream('s-no-finish-reason');
    expect(r.text).toBe('Hello wor');
    expect(r.events).not.toContain('[DONE]');
    const last = JSON.parse(r.events.at(-1)!);
    assertSchema('ErrorResponse', last);
    expect(last.error.message).toMatch(/without a finish reason/);
    const row = await logged(r.id);
    expect(row?.status).toBe(502);
    expect(row?.error_kind).toBe('upstream_error');
    const stats = pm.runtime.executor.stats.get('badno-finish-reason/gpt-fake')!;
    expect(stats.errorRate).toBeGreaterThan(0);
  });

  it('ends a committed stream that stalls past total_ms with a timeout error event and no [DONE]', async () => {
    const r = await stream('total');
    expect(r.text).toBe('Once');
    expect(r.events).not.toContain('[DONE]');
    const last = JSON.parse(r.events.at(-1)!);
    assertSchema('ErrorResponse', last);
    expect(last.error.code).toBe('upstream_timeout');
  });

  it('records a clean stream as a success with its latency', async () => {
    const r = await stream('s-slow');
    expect(r.text).toBe('Hello from good');
    const row = await logged(r.id);
    expect(row?.status).toBe(200);
  });
});
