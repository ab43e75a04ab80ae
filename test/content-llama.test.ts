/**
 * Content from the real stories260K model under llama.cpp: the JSON Schema from the kind's zod
 * schema becomes a grammar, so even this tiny story model gives schema-valid objects.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KINDS } from '../src/content/index.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

const MODEL = new URL('../../shared/models/stories260K.gguf', import.meta.url).pathname;
let pm: TestPolymath;

beforeAll(async () => {
  pm = await startPolymath({
    providers: { local: { type: 'llama-cpp', model_path: MODEL, threads: 1 } },
    routes: { default: { targets: [{ provider: 'local' }] } },
  });
}, 120_000);
afterAll(async () => {
  await pm?.close();
});

async function post(kind: string, body: unknown) {
  const res = await request(`${pm.url}/v1/content/${kind}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.statusCode, text: await res.body.text() };
}

describe('content from llama.cpp under a JSON-schema grammar', () => {
  it('gives a schema-valid explanation from the stories model', async () => {
    const kind = 'explanation';
    const res = await post(kind, { topic: 'a dog in the park', persona: { grade: 1 }, options: { max_tokens: 2000, temperature: 0 } });
    expect(res.status, res.text).toBe(200);
    const body = JSON.parse(res.text);
    expect(body).toMatchObject({ kind, provider: 'local', model: 'stories260K' });
    expect(KINDS[kind].schema.safeParse(body.content).success).toBe(true);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(body.attempts).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('streams a story as partial objects ending in a validated result', async () => {
    const res = await request(`${pm.url}/v1/content/story`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'a cat', stream: true, options: { max_tokens: 2000, temperature: 0 } }),
    });
    const events = (await res.body.text()).split('\n\n').filter((f) => f.startsWith('data: ')).map((f) => JSON.parse(f.slice(6)));
    expect(events.filter((e) => e.type === 'partial').length).toBeGreaterThan(5);
    const last = events.at(-1);
    expect(last.type, JSON.stringify(last)).toBe('result');
    expect(KINDS.story.schema.safeParse(last.content).success).toBe(true);
  }, 120_000);
});
