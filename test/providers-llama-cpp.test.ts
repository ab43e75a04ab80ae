/**
 * The embedded llama.cpp provider, end to end: the real stories260K model loaded by
 * node-llama-cpp inside Polymath, asked through the official openai client.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { APIError } from 'openai';
import { parse as parsePartialJson } from 'partial-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config/from-env.js';
import { parseConfig } from '../src/config/index.js';
import { LlamaCppProvider, resolveThreads } from '../src/providers/llama-cpp/index.js';
import { assertSchema } from './helpers/openapi.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

import { STORIES_MODEL as MODEL } from './helpers/fixtures.js';
const SRC = new URL('../src/', import.meta.url).pathname;
const user = (content: string) => [{ role: 'user' as const, content }];

let pm: TestPolymath;

beforeAll(async () => {
  pm = await startPolymath({
    providers: {
      // Two providers over the same file: `local` serves two at once, `tight` one with one waiting.
      local: { type: 'llama-cpp', model_path: MODEL, threads: 1, parallel: 2, max_queue: 8 },
      tight: { type: 'llama-cpp', model_path: MODEL, threads: 1, parallel: 1, max_queue: 1 },
      hasty: { type: 'llama-cpp', model_path: MODEL, threads: 1, parallel: 1, timeout_ms: 40 },
    },
    routes: { default: { targets: [{ provider: 'local' }] } },
  });
});
afterAll(async () => {
  await pm?.close();
});

function provider(id: string): LlamaCppProvider {
  const p = pm.runtime.providers.get(id);
  if (!(p instanceof LlamaCppProvider)) throw new Error(`${id} is not a llama-cpp provider`);
  return p;
}

describe('llama-cpp chat', () => {
  it('answers a completion in OpenAI shape with usage counted in tokens', async () => {
    const res = await pm.client.chat.completions.create({ model: 'default', messages: user('Once upon a time'), max_tokens: 8, seed: 1 });
    assertSchema('CreateChatCompletionResponse', res);
    expect(res.model).toBe('stories260K');
    expect(res.choices[0].message.content).toMatch(/\S/);
    expect(res.usage!.prompt_tokens).toBeGreaterThan(3);
    expect(res.usage!.completion_tokens).toBeGreaterThan(0);
    expect(res.usage!.completion_tokens).toBeLessThanOrEqual(8);
    if (res.choices[0].finish_reason === 'length') expect(res.usage!.completion_tokens).toBe(8);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
  });

  it('uses the configured thread count and reports itself as local generation', () => {
    const local = provider('local');
    expect(local.threads).toBe(1);
    expect(local.mode).toBe('local');
    expect(local.capabilities).toEqual({ jsonSchema: true, embeddings: true, streaming: true });
  });

  it('repeats itself for the same seed and temperature, and differs for another seed', async () => {
    const ask = (seed: number) => pm.client.chat.completions.create({ model: 'local/any', messages: user('The cat'), max_tokens: 24, temperature: 1, seed });
    const [a, b, c] = [await ask(7), await ask(7), await ask(8)];
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
    expect(c.choices[0].message.content).not.toBe(a.choices[0].message.content);
  });

  it('stops before a stop sequence', async () => {
    const base = { model: 'local', messages: user('Lily went to the park'), max_tokens: 40, temperature: 0 } as const;
    const full = (await pm.client.chat.completions.create(base)).choices[0].message.content!;
    let at = 6;
    while (at < full.length && !/^\w{3}$/.test(full.slice(at, at + 3))) at++;
    const stop = full.slice(at, at + 3);
    expect(stop).toMatch(/^\w{3}$/);
    const cut = await pm.client.chat.completions.create({ ...base, stop: [stop] });
    expect(cut.choices[0].message.content).toBe(full.slice(0, full.indexOf(stop)));
    expect(cut.choices[0].finish_reason).toBe('stop');
  });

  it('streams OpenAI chunks with usage last, the same text as without streaming, and ends with [DONE]', async () => {
    const req = { model: 'local', messages: user('Once upon a time'), max_tokens: 16, seed: 3, temperature: 0.8 } as const;
    const whole = await pm.client.chat.completions.create(req);
    const stream = await pm.client.chat.completions.create({ ...req, stream: true, stream_options: { include_usage: true } });
    let text = '';
    const chunks = [];
    for await (const c of stream) {
      assertSchema('CreateChatCompletionStreamResponse', c);
      chunks.push(c);
      text += c.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe(whole.choices[0].message.content);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.at(-2)!.choices[0].finish_reason).toBe(whole.choices[0].finish_reason);
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage).toEqual(whole.usage);

    const raw = await fetch(`${pm.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...req, stream: true }) });
    const events = (await raw.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
  });

  it('answers JSON that parses and matches the requested schema', async () => {
    const schema = {
      type: 'object',
      properties: {
        title: { type: 'string' },
        level: { type: 'integer' },
        kind: { enum: ['quiz', 'lesson'] },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 3 },
      },
      required: ['title', 'level', 'kind', 'tags'],
      additionalProperties: false,
    };
    const validate = new Ajv2020().compile(schema);
    for (const seed of [1, 2, 3]) {
      const res = await pm.client.chat.completions.create({
        model: 'local',
        messages: user('Make a lesson'),
        max_tokens: 300,
        seed,
        temperature: 1,
        response_format: { type: 'json_schema', json_schema: { name: 'lesson', schema, strict: true } },
      });
      assertSchema('CreateChatCompletionResponse', res);
      const value: unknown = JSON.parse(res.choices[0].message.content!);
      expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('answers JSON for json_object: whole when it stops, a valid JSON prefix when max_tokens cuts it (as OpenAI)', async () => {
    // Under the generic JSON grammar this tiny model never closes its object, so it is cut.
    const res = await pm.client.chat.completions.create({ model: 'local', messages: user('json'), max_tokens: 60, seed: 5, response_format: { type: 'json_object' } });
    const content = res.choices[0].message.content!;
    expect(content.trimStart().startsWith('{')).toBe(true);
    if (res.choices[0].finish_reason === 'stop') expect(() => JSON.parse(content)).not.toThrow();
    else expect(() => parsePartialJson(content)).not.toThrow();
    // the same request without the grammar is prose, not JSON
    const prose = await pm.client.chat.completions.create({ model: 'local', messages: user('json'), max_tokens: 60, seed: 5 });
    expect(() => parsePartialJson(prose.choices[0].message.content!)).toThrow();
  });

  it('refuses what it cannot do with a 400 in OpenAI error shape', async () => {
    const long = 'and the dog ran to the big tree '.repeat(400);
    const cases = [
      { messages: user(long), code: 'context_length_exceeded' },
      { messages: user('hi'), n: 2 },
      { messages: user('hi'), tools: [{ type: 'function' as const, function: { name: 'f', parameters: { type: 'object' } } }] },
      { messages: [{ role: 'user' as const, content: [{ type: 'image_url' as const, image_url: { url: 'data:image/png;base64,AA==' } }] }] },
    ];
    for (const { code, ...body } of cases) {
      const err = await pm.client.chat.completions.create({ model: 'local', max_tokens: 4, ...body }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(APIError);
      expect((err as APIError).status).toBe(400);
      assertSchema('ErrorResponse', (err as APIError).error === undefined ? undefined : { error: (err as APIError).error });
      if (code) expect((err as APIError).code).toBe(code);
    }
  });
});

describe('llama-cpp embeddings', () => {
  it('embeds each input in OpenAI shape with the model dimensions', async () => {
    const res = await pm.client.embeddings.create({ model: 'local', input: ['a cat sat', 'the dog ran far away'], encoding_format: 'float' });
    assertSchema('CreateEmbeddingResponse', res);
    expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    expect(res.data.every((d) => d.embedding.length === 64)).toBe(true);
    expect(res.data[0].embedding).not.toEqual(res.data[1].embedding);
    expect(res.usage.prompt_tokens).toBeGreaterThan(4);

    // The openai client asks for base64 by default and decodes it: the same vector comes back.
    const b64 = await pm.client.embeddings.create({ model: 'local', input: 'a cat sat' });
    expect(b64.data[0].embedding.length).toBe(64);
    b64.data[0].embedding.forEach((x, i) => expect(x).toBeCloseTo(res.data[0].embedding[i], 5));
  });

  it('refuses dimensions the model does not have', async () => {
    const err = await pm.client.embeddings.create({ model: 'local', input: 'x', dimensions: 32 }).catch((e: unknown) => e);
    expect((err as APIError).status).toBe(400);
  });
});

describe('llama-cpp concurrency', () => {
  it('serves 4 requests at once on 2 sequences', async () => {
    const results = await Promise.all(
      [1, 2, 3, 4].map((seed) => pm.client.chat.completions.create({ model: 'local', messages: user(`Story ${seed}`), max_tokens: 24, seed })),
    );
    for (const r of results) {
      assertSchema('CreateChatCompletionResponse', r);
      expect(r.usage!.completion_tokens).toBeGreaterThan(0);
    }
  });

  it('answers 503 queue_full when every sequence is busy and the queue is full', async () => {
    const long = () => pm.client.chat.completions.create({ model: 'tight', messages: user('Once upon a time'), max_tokens: 400, temperature: 1, seed: 11 });
    const settled = await Promise.allSettled([long(), long(), long(), long()]);
    const refused = settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason as APIError);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const err of refused) {
      expect(err.status).toBe(503);
      expect(err.code).toBe('queue_full');
      expect(err.headers?.get('retry-after')).toBe('1');
      assertSchema('ErrorResponse', { error: err.error });
    }
    // one generating and one waiting always fit
    expect(settled.filter((s) => s.status === 'fulfilled').length).toBeGreaterThanOrEqual(2);
  });

  it('stops generating when the client disconnects', async () => {
    const tight = provider('tight');
    const req = { model: 'tight', messages: user('Once upon a time'), max_tokens: 600, temperature: 1, seed: 21 } as const;
    // The same request left to run: how many tokens it takes in full.
    const full = await pm.client.chat.completions.create(req);
    const fullTokens = full.usage!.completion_tokens;
    expect(fullTokens).toBeGreaterThan(200);

    const before = tight.generatedTokens;
    const ac = new AbortController();
    const stream = await pm.client.chat.completions.create({ ...req, stream: true }, { signal: ac.signal });
    for await (const c of stream) {
      if (c.choices[0]?.delta?.content) break; // leaving the loop aborts the HTTP request
    }
    // The one sequence is free again only once the abandoned generation has stopped.
    const after = await pm.client.chat.completions.create({ model: 'tight', messages: user('Hi'), max_tokens: 1 });
    expect(after.usage!.completion_tokens).toBe(1);
    expect(tight.generatedTokens - before).toBeLessThan(fullTokens / 2);
  });
});

describe('llama-cpp deadlines and start', () => {
  it('answers 504 upstream_timeout when generation outlives timeout_ms', async () => {
    const err = await pm.client.chat.completions
      .create({ model: 'hasty', messages: user('Once upon a time'), max_tokens: 1500, temperature: 1, seed: 21 })
      .catch((e: unknown) => e);
    expect((err as APIError).status).toBe(504);
    expect((err as APIError).code).toBe('upstream_timeout');
  });

  it('fails to start with the path when the model file is missing', async () => {
    await expect(startPolymath({ providers: { l: { type: 'llama-cpp', model_path: '/nonexistent/model.gguf' } } })).rejects.toThrow(/nonexistent\/model\.gguf" does not exist/);
  });
});

describe('llama-cpp config', () => {
  it('derives threads from the cores unless told', () => {
    expect(resolveThreads('auto', 2)).toBe(1);
    expect(resolveThreads('auto', 1)).toBe(1);
    expect(resolveThreads('auto', 16)).toBe(8);
    expect(resolveThreads(3, 2)).toBe(3);
  });

  it('serves POLYMATH_LOCAL_MODEL as provider "local", first in the default route unless LLM_PROVIDER says otherwise', () => {
    const env = { POLYMATH_LOCAL_MODEL: MODEL, OPENAI_API_KEY: 'sk-x' };
    const cfg = parseConfig(configFromEnv(env));
    expect(cfg.providers.local).toMatchObject({ type: 'llama-cpp', model_path: MODEL, threads: 'auto', parallel: 2 });
    expect(cfg.routes.default.targets[0].provider).toBe('local');
    const chosen = parseConfig(configFromEnv({ ...env, LLM_PROVIDER: 'openai' }));
    expect(chosen.routes.default.targets.map((t) => t.provider).slice(0, 2)).toEqual(['openai', 'local']);
  });

  it('loads node-llama-cpp only when a llama-cpp provider starts (static imports are type-only)', () => {
    const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const eager = files.filter((f) => /^import\s+(?!type\b)[^;]*from\s+'node-llama-cpp'/m.test(readFileSync(join(SRC, f), 'utf8')));
    expect(eager).toEqual([]);
  });

  it('rejects a bad llama-cpp config with the key path', () => {
    expect(() => parseConfig({ providers: { l: { type: 'llama-cpp', model_path: MODEL, threads: 0 } } })).toThrow(/threads/);
    expect(() => parseConfig({ providers: { l: { type: 'llama-cpp' } } })).toThrow(/model_path/);
  });
});
