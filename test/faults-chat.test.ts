/**
 * Fault injection, non-streaming: each way an upstream fails either moves on to the next target
 * (the client never sees it) or, with no target left, becomes OpenAI's error JSON with the right
 * status. A 400 is the client's fault and does not move on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSchema } from './helpers/openapi.js';
import { providerOf, startFaulty, type Fault, type FaultyUpstream } from './helpers/faulty-upstream.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

const FAULTS: Array<[Fault, number, string]> = [
  ['500', 502, 'answers HTTP 500'],
  ['429', 429, 'answers 429 with Retry-After'],
  ['hang', 504, 'hangs forever'],
  ['malformed-json', 502, 'sends malformed JSON'],
  ['malformed-sse', 502, 'sends a body that is not JSON at all'],
  ['close-mid-body', 502, 'closes the connection mid-body'],
];

const ups = new Map<string, FaultyUpstream>();
let good: FaultyUpstream;
let pm: TestPolymath;

beforeAll(async () => {
  good = await startFaulty('ok', { text: 'from good' });
  const providers: Record<string, unknown> = { good: providerOf(good) };
  const routes: Record<string, unknown> = {};
  for (const [f] of [...FAULTS, ['400'] as [Fault]]) {
    const up = await startFaulty(f, { retryAfter: '30' });
    ups.set(f, up);
    providers[`bad${f}`] = providerOf(up);
    routes[`fb-${f}`] = { timeout: { total_ms: 400 }, targets: [{ provider: `bad${f}` }, { provider: 'good' }] };
    routes[`solo-${f}`] = { timeout: { total_ms: 400 }, targets: [{ provider: `bad${f}` }] };
  }
  pm = await startPolymath({ providers, routes });
});
afterAll(async () => {
  await pm?.close();
  await Promise.all([good, ...ups.values()].map((u) => u?.close()));
});

async function post(model: string) {
  const res = await fetch(`${pm.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

describe('fallback past a faulty upstream (non-streaming)', () => {
  for (const [f, , what] of FAULTS) {
    it(`answers from the next target when the first ${what}`, async () => {
      const before = ups.get(f)!.calls();
      const { data, response } = await pm.client.chat.completions.create({ model: `fb-${f}`, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      expect(data.choices[0].message.content).toBe('from good');
      assertSchema('CreateChatCompletionResponse', data);
      expect(response.headers.get('x-polymath-attempts')).toBe('2');
      expect(response.headers.get('x-polymath-route')).toBe(`fb-${f}`);
      expect(response.headers.get('x-polymath-provider')).toBe('good');
      expect(ups.get(f)!.calls()).toBe(before + 1);
    });
  }

  it('does not move on after a 400: the client gets the upstream 400 and the next target is never called', async () => {
    const before = good.calls();
    const r = await post('fb-400');
    expect(r.status).toBe(502);
    expect(r.body.error.code).toBe('upstream_400');
    assertSchema('ErrorResponse', r.body);
    expect(good.calls()).toBe(before);
  });
});

describe('the error a client sees when the only target fails', () => {
  for (const [f, status, what] of FAULTS) {
    it(`answers ${status} in OpenAI error JSON when the only target ${what}`, async () => {
      const r = await post(`solo-${f}`);
      expect(r.status).toBe(status);
      assertSchema('ErrorResponse', r.body);
      expect(r.body.error.message.length).toBeGreaterThan(0);
      if (f === '429') expect(r.headers.get('retry-after')).toBe('30');
    });
  }
});
