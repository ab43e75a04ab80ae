import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSchema } from './helpers/openapi.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

let upstream: FakeOpenAI;
let pm: TestPolymath;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  pm = await startPolymath({
    providers: { up: { type: 'openai-compatible', base_url: upstream.url, default_model: 'gpt-fake', models: ['text-embedding-3-small'] } },
    routes: { default: { targets: [{ provider: 'up' }] }, embed: { targets: [{ provider: 'up', model: 'text-embedding-3-small' }] } },
  });
});
afterAll(async () => {
  await pm?.close();
  await upstream?.close();
});

describe('POST /v1/embeddings', () => {
  it('answers through the openai client in OpenAI shape', async () => {
    const res = await pm.client.embeddings.create({ model: 'embed', input: ['a', 'b'], encoding_format: 'float' });
    expect(res.data).toHaveLength(2);
    expect(res.data[1].embedding).toEqual([0.1, -0.2, 0.3]);
    assertSchema('CreateEmbeddingResponse', res);
    expect(upstream.received.at(-1)!.body).toEqual({ model: 'text-embedding-3-small', input: ['a', 'b'], encoding_format: 'float' });
  });

  it('rejects a missing input with a 400', async () => {
    const err = await pm.client.embeddings.create({ model: 'embed' } as never).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400 });
  });
});

describe('GET /v1/models', () => {
  it('lists route aliases and provider models in OpenAI shape', async () => {
    const page = await pm.client.models.list();
    const ids = page.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['default', 'embed', 'up/gpt-fake', 'up/text-embedding-3-small']));
    assertSchema('ListModelsResponse', { object: 'list', data: page.data });
  });

  it('retrieves one model and 404s an unknown one', async () => {
    const m = await pm.client.models.retrieve('up/gpt-fake');
    expect(m).toMatchObject({ id: 'up/gpt-fake', object: 'model', owned_by: 'up' });
    const err = await pm.client.models.retrieve('nope').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 404 });
  });
});

describe('GET /health', () => {
  it('reports the providers with their generation mode, and the routes', async () => {
    const res = await fetch(`${pm.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', providers: [{ id: 'up', type: 'openai-compatible', mode: 'local' }], routes: ['default', 'embed'] });
  });
});
