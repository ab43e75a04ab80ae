import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createProvider } from '../src/providers/index.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import {
  FAKE_GEMINI_KEY,
  geminiBehaviour,
  googleError,
  json,
  response,
  startFakeGemini,
  startSse,
  streamText,
  textCandidate,
  usage,
  vectorOf,
  writeData,
  type FakeGemini,
} from './helpers/fake-gemini.js';
import { apiFailure, assertSchema } from './helpers/openapi.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

let gem: FakeGemini;
let backup: FakeOpenAI;
let pm: TestPolymath;

beforeAll(async () => {
  gem = await startFakeGemini();
  backup = await startFakeOpenAI();
  pm = await startPolymath({
    providers: {
      gem: { type: 'gemini', api_key: FAKE_GEMINI_KEY, base_url: gem.url },
      badkey: { type: 'gemini', api_key: 'AIza-wrong-secret', base_url: `${gem.url}/v1beta` },
      backup: { type: 'openai-compatible', base_url: backup.url, default_model: 'gpt-backup' },
    },
    routes: {
      resilient: { targets: [{ provider: 'gem' }, { provider: 'backup' }] },
      vectors: { targets: [{ provider: 'gem' }] },
    },
  });
});
afterAll(async () => {
  await pm?.close();
  await gem?.close();
  await backup?.close();
});
beforeEach(() => {
  gem.behave = geminiBehaviour;
  gem.received.length = 0;
  backup.received.length = 0;
});

const failure = apiFailure;

async function collect(stream: AsyncIterable<OpenAI.Chat.ChatCompletionChunk>): Promise<OpenAI.Chat.ChatCompletionChunk[]> {
  const chunks = [];
  for await (const c of stream) {
    assertSchema('CreateChatCompletionStreamResponse', c);
    chunks.push(c);
  }
  return chunks;
}

describe('gemini provider: chat', () => {
  it('translates an OpenAI request into generateContent, field by field', async () => {
    const res = await pm.client.chat.completions.create({
      model: 'gem/gemini-2.5-flash',
      messages: [
        { role: 'system', content: 'You are a patient tutor.' },
        { role: 'user', content: 'What is photosynthesis?' },
        { role: 'assistant', content: 'How plants make food from light.' },
        { role: 'user', content: [{ type: 'text', text: 'Simpler?' }, { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } }] },
      ],
      temperature: 1.4,
      top_p: 0.8,
      max_tokens: 256,
      stop: 'THE END',
      seed: 11,
      presence_penalty: 0.5,
    });
    expect(gem.received).toHaveLength(1);
    const { url, headers, body } = gem.received[0];
    expect(url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(url).not.toContain('key=');
    expect(headers['x-goog-api-key']).toBe(FAKE_GEMINI_KEY);
    expect(headers.authorization).toBeUndefined();
    expect(body).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'What is photosynthesis?' }] },
        { role: 'model', parts: [{ text: 'How plants make food from light.' }] },
        { role: 'user', parts: [{ text: 'Simpler?' }, { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } }] },
      ],
      systemInstruction: { parts: [{ text: 'You are a patient tutor.' }] },
      generationConfig: { temperature: 1.4, topP: 0.8, maxOutputTokens: 256, stopSequences: ['THE END'], seed: 11, presencePenalty: 0.5 },
    });

    assertSchema('CreateChatCompletionResponse', res);
    expect(res.id).toBe('fakeResponseId01');
    expect(res.model).toBe('gemini-2.5-flash');
    expect(res.choices[0].message).toMatchObject({ role: 'assistant', content: 'Hello from Gemini.' });
    expect(res.choices[0].finish_reason).toBe('stop');
    expect(res.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 });
  });

  it('asks for n candidates and answers one choice per candidate; thinking tokens count as completion tokens', async () => {
    gem.behave = (_req, res) =>
      json(res, 200, { ...response([textCandidate('First.'), textCandidate('Second, cut', 'MAX_TOKENS')]), usageMetadata: usage(10, 6, 30) });
    const res = await pm.client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: 'two answers' }], n: 2 });
    expect(gem.received[0].url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(gem.received[0].body.generationConfig).toEqual({ candidateCount: 2 });
    assertSchema('CreateChatCompletionResponse', res);
    expect(res.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, 'First.', 'stop'],
      [1, 'Second, cut', 'length'],
    ]);
    expect(res.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 36, total_tokens: 46, completion_tokens_details: { reasoning_tokens: 30 } });
  });

  it('leaves thought summaries out of the answer', async () => {
    gem.behave = (_req, res) =>
      json(res, 200, response([{ content: { role: 'model', parts: [{ text: 'Let me think...', thought: true }, { text: 'Answer.' }] }, finishReason: 'STOP' }]));
    const res = await pm.client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: 'q' }] });
    expect(res.choices[0].message.content).toBe('Answer.');
  });

  it('refuses image links with a clear 400, since Gemini takes images inline', async () => {
    const err = await failure(
      pm.client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toContain('data: URLs');
    expect(gem.received).toHaveLength(0);
  });
});

describe('gemini provider: streaming', () => {
  it('reads streamGenerateContent?alt=sse and sends OpenAI chunks, with usage last when asked', async () => {
    const chunks = await collect(
      await pm.client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } }),
    );
    expect(gem.received[0].url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: 'Hello' });
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Hello from Gemini.');
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0].finish_reason)).toEqual(['stop']);
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set(['fakeStreamId01']));
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 });
  });

  it('sends no usage when not asked, and maps MAX_TOKENS to length', async () => {
    gem.behave = (_req, res) => streamText(res, ['Once', ' upon'], 'MAX_TOKENS');
    const chunks = await collect(await pm.client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: 'story' }], stream: true, max_tokens: 2 }));
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('length');
  });

  it('falls back when Gemini reports an error inside the stream before any text', async () => {
    gem.behave = (_req, res) => {
      startSse(res);
      writeData(res, { error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });
      res.end();
    };
    const { data, response: r } = await pm.client.chat.completions.create({ model: 'resilient', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
    const chunks = await collect(data);
    expect(r.headers.get('x-polymath-provider')).toBe('backup');
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Hello there');
  });
});

const lookupTool = {
  type: 'function' as const,
  function: {
    name: 'lookup_word',
    description: 'Dictionary lookup',
    parameters: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'], additionalProperties: false },
  },
};

describe('gemini provider: tools', () => {
  it('sends functionDeclarations and toolConfig, and returns functionCall parts as tool_calls', async () => {
    gem.behave = (_req, res) =>
      json(res, 200, response([{ content: { role: 'model', parts: [{ functionCall: { name: 'lookup_word', args: { word: 'osmosis' } } }] }, finishReason: 'STOP' }]));
    const res = await pm.client.chat.completions.create({
      model: 'gem',
      messages: [{ role: 'user', content: 'Define osmosis' }],
      tools: [lookupTool],
      tool_choice: { type: 'function', function: { name: 'lookup_word' } },
    });
    const body = gem.received[0].body;
    expect(body.tools).toEqual([{ functionDeclarations: [{ name: 'lookup_word', description: 'Dictionary lookup', parametersJsonSchema: lookupTool.function.parameters }] }]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['lookup_word'] } });
    assertSchema('CreateChatCompletionResponse', res);
    expect(res.choices[0].finish_reason).toBe('tool_calls');
    expect(res.choices[0].message.content).toBeNull();
    const call = res.choices[0].message.tool_calls![0];
    expect(call).toMatchObject({ type: 'function', function: { name: 'lookup_word', arguments: '{"word":"osmosis"}' } });
    expect(call.id).toMatch(/^call_/);
  });

  it('maps tool_choice auto, none and required to AUTO, NONE and ANY', async () => {
    for (const choice of ['auto', 'none', 'required'] as const) {
      await pm.client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: 'x' }], tools: [lookupTool], tool_choice: choice });
    }
    expect(gem.received.map((r) => r.body.toolConfig.functionCallingConfig.mode)).toEqual(['AUTO', 'NONE', 'ANY']);
  });

  it('sends tool results back as functionResponse parts named after their call', async () => {
    await pm.client.chat.completions.create({
      model: 'gem',
      messages: [
        { role: 'user', content: 'Define osmosis and diffusion' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'lookup_word', arguments: '{"word":"osmosis"}' } },
            { id: 'call_b', type: 'function', function: { name: 'lookup_word', arguments: '{"word":"diffusion"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: '{"definition":"water through a membrane"}' },
        { role: 'tool', tool_call_id: 'call_b', content: 'spreading out' },
      ],
      tools: [lookupTool],
    });
    expect(gem.received[0].body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Define osmosis and diffusion' }] },
      {
        role: 'model',
        parts: [{ functionCall: { name: 'lookup_word', args: { word: 'osmosis' } } }, { functionCall: { name: 'lookup_word', args: { word: 'diffusion' } } }],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'lookup_word', response: { definition: 'water through a membrane' } } },
          { functionResponse: { name: 'lookup_word', response: { content: 'spreading out' } } },
        ],
      },
    ]);
  });

  it('refuses a tool message whose tool_call_id matches no earlier call', async () => {
    const err = await failure(
      pm.client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'nope', content: 'r' }] }),
    );
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ param: 'messages.1.tool_call_id' });
  });

  it('streams function calls as tool_calls deltas', async () => {
    gem.behave = (_req, res) => {
      startSse(res);
      writeData(res, { candidates: [{ content: { role: 'model', parts: [{ text: 'Looking up.' }] }, index: 0 }], modelVersion: 'gemini-2.5-flash', responseId: 'r1' });
      writeData(res, {
        candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'lookup_word', args: { word: 'a' } } }, { functionCall: { name: 'lookup_word', args: { word: 'b' } } }] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: usage(),
        modelVersion: 'gemini-2.5-flash',
        responseId: 'r1',
      });
      res.end();
    };
    const chunks = await collect(await pm.client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: 'x' }], tools: [lookupTool], stream: true }));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    expect(calls.map((c) => [c.index, c.function?.name, c.function?.arguments])).toEqual([
      [0, 'lookup_word', '{"word":"a"}'],
      [1, 'lookup_word', '{"word":"b"}'],
    ]);
    expect(calls.every((c) => typeof c.id === 'string' && c.id.length > 0)).toBe(true);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('tool_calls');
  });
});

describe('gemini provider: JSON output', () => {
  const schema = {
    type: 'object',
    properties: { term: { type: 'string' }, definition: { type: 'string' } },
    required: ['term', 'definition'],
    additionalProperties: false,
  };

  it('sends json_schema as responseMimeType + responseJsonSchema, and the answer parses', async () => {
    gem.behave = (_req, res) => json(res, 200, response([textCandidate('{"term":"cell","definition":"the unit of life"}')]));
    const res = await pm.client.chat.completions.create({
      model: 'gem',
      messages: [{ role: 'user', content: 'A flashcard about cells' }],
      response_format: { type: 'json_schema', json_schema: { name: 'flashcard', schema, strict: true } },
    });
    expect(gem.received[0].body.generationConfig).toEqual({ responseMimeType: 'application/json', responseJsonSchema: schema });
    assertSchema('CreateChatCompletionResponse', res);
    expect(JSON.parse(res.choices[0].message.content!)).toEqual({ term: 'cell', definition: 'the unit of life' });
  });

  it('sends json_object as responseMimeType alone', async () => {
    await pm.client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: 'JSON' }], response_format: { type: 'json_object' } });
    expect(gem.received[0].body.generationConfig).toEqual({ responseMimeType: 'application/json' });
  });
});

describe('gemini provider: safety blocks', () => {
  it('answers a blocked prompt with 400 content_filter', async () => {
    gem.behave = (_req, res) =>
      json(res, 200, { promptFeedback: { blockReason: 'SAFETY', safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH' }] }, usageMetadata: usage(8, 0), modelVersion: 'gemini-2.5-flash' });
    const err = await failure(pm.client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: 'something bad' }] }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ code: 'content_filter' });
    expect(err.message).toContain('blocked the prompt (SAFETY)');
  });

  it('answers a withheld answer (finishReason SAFETY) with 400 content_filter', async () => {
    gem.behave = (_req, res) => json(res, 200, response([{ finishReason: 'SAFETY', safetyRatings: [{ category: 'HARM_CATEGORY_HARASSMENT', probability: 'MEDIUM', blocked: true }] }]));
    const err = await failure(pm.client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: 'x' }] }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ code: 'content_filter' });
    expect(err.message).toContain('finishReason SAFETY');
  });

  it('answers a stream blocked before any text with the same 400', async () => {
    gem.behave = (_req, res) => {
      startSse(res);
      writeData(res, { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: usage(8, 0), modelVersion: 'gemini-2.5-flash', responseId: 'r2' });
      res.end();
    };
    const err = await failure(pm.client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: 'x' }], stream: true }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ code: 'content_filter' });
  });

  it('answers a stream whose answer is withheld before any text with the same 400', async () => {
    gem.behave = (_req, res) => {
      startSse(res);
      writeData(res, { candidates: [{ finishReason: 'SAFETY', index: 0 }], usageMetadata: usage(8, 0), responseId: 'r4' });
      res.end();
    };
    const err = await failure(pm.client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: 'x' }], stream: true }));
    expect(err.status).toBe(400);
    expect(err.message).toContain('finishReason SAFETY');
  });

  it('ends a stream blocked after some text with finish_reason content_filter', async () => {
    gem.behave = (_req, res) => {
      startSse(res);
      writeData(res, { candidates: [{ content: { role: 'model', parts: [{ text: 'The first part' }] }, index: 0 }], responseId: 'r3' });
      writeData(res, { candidates: [{ finishReason: 'SAFETY', index: 0 }], usageMetadata: usage(), responseId: 'r3' });
      res.end();
    };
    const chunks = await collect(await pm.client.chat.completions.create({ model: 'gem', messages: [{ role: 'user', content: 'x' }], stream: true }));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('The first part');
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('content_filter');
  });
});

describe('gemini provider: errors', () => {
  it("reports Google's 400 API_KEY_INVALID without revealing the key", async () => {
    const err = await failure(pm.client.chat.completions.create({ model: 'badkey', messages: [{ role: 'user', content: 'x' }] }));
    expect(gem.received[0].url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(err.status).toBe(502);
    expect(err.message).toContain('HTTP 400 INVALID_ARGUMENT: API key not valid');
    expect(err.error).toMatchObject({ code: 'upstream_400' });
    expect(JSON.stringify(err.error)).not.toContain('wrong-secret');
  });

  it('falls back on 429 RESOURCE_EXHAUSTED and reads the RetryInfo delay', async () => {
    gem.behave = (_req, res) =>
      googleError(res, 429, 'You exceeded your current quota.', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '23s' }]);
    const { data, response: r } = await pm.client.chat.completions.create({ model: 'resilient', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    assertSchema('CreateChatCompletionResponse', data);
    expect(r.headers.get('x-polymath-provider')).toBe('backup');

    const provider = createProvider('direct', parseConfig({ providers: { direct: { type: 'gemini', api_key: FAKE_GEMINI_KEY, base_url: gem.url } } }).providers.direct);
    const thrown = await provider.chat({ model: 'x', messages: [{ role: 'user', content: 'x' }] }, { signal: new AbortController().signal, model: 'gemini-2.5-flash', requestId: 'r1' }).catch((e: unknown) => e);
    await provider.close?.();
    expect(thrown).toMatchObject({ kind: 'upstream_error', details: { upstreamStatus: 429, retryAfter: 23 } });
  });

  it('falls back on 503 UNAVAILABLE (overloaded)', async () => {
    gem.behave = (_req, res) => googleError(res, 503, 'The model is overloaded. Please try again later.');
    const { response: r } = await pm.client.chat.completions.create({ model: 'resilient', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(r.headers.get('x-polymath-provider')).toBe('backup');
    expect(r.headers.get('x-polymath-attempts')).toBe('2');
  });

  it('does not fall back on a 404 for an unknown model', async () => {
    gem.behave = (req, res) => googleError(res, 404, `models/${req.model} is not found for API version v1beta`);
    const err = await failure(pm.client.chat.completions.create({ model: 'gem/gemini-9', messages: [{ role: 'user', content: 'x' }] }));
    expect(err.status).toBe(502);
    expect(err.message).toContain('models/gemini-9 is not found');
  });
});

describe('gemini provider: embeddings', () => {
  it('embeds one text through embedContent', async () => {
    const raw = await fetch(`${pm.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gem/gemini-embedding-001', input: 'photosynthesis', encoding_format: 'float', dimensions: 3 }),
    });
    expect(raw.status).toBe(200);
    const body = (await raw.json()) as { data: unknown; model: string; usage: unknown };
    assertSchema('CreateEmbeddingResponse', body);
    expect(gem.received[0].url).toBe('/v1beta/models/gemini-embedding-001:embedContent');
    expect(gem.received[0].body).toEqual({ content: { parts: [{ text: 'photosynthesis' }] }, outputDimensionality: 3 });
    expect(body.data).toEqual([{ object: 'embedding', index: 0, embedding: vectorOf('photosynthesis', 3) }]);
    expect(body.model).toBe('gemini-embedding-001');
    expect(body.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
  });

  it('embeds several texts through batchEmbedContents, and base64 decodes to the same vectors', async () => {
    const res = await pm.client.embeddings.create({ model: 'vectors', input: ['cell', 'mitochondrion'] });
    assertSchema('CreateEmbeddingResponse', res);
    const { url, body } = gem.received[0];
    // the route names no model: the provider's embedding_model is used
    expect(url).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(body).toEqual({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'cell' }] } },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'mitochondrion' }] } },
      ],
    });
    expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    res.data.forEach((d, i) => {
      const expected = vectorOf(['cell', 'mitochondrion'][i]);
      d.embedding.forEach((x, j) => expect(x).toBeCloseTo(expected[j], 5));
    });
  });

  it('splits more than 100 texts into batches of 100', async () => {
    const input = Array.from({ length: 230 }, (_, i) => `word ${i}`);
    const res = await pm.client.embeddings.create({ model: 'gem/gemini-embedding-001', input, encoding_format: 'float' });
    expect(gem.received.map((r) => r.body.requests.length)).toEqual([100, 100, 30]);
    expect(res.data).toHaveLength(230);
    expect(res.data[229].embedding).toEqual(vectorOf('word 229'));
  });

  it('refuses token-id input with a clear 400', async () => {
    const err = await failure(pm.client.embeddings.create({ model: 'gem/gemini-embedding-001', input: [1, 2, 3] }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ param: 'input' });
  });
});

describe('gemini provider: metadata', () => {
  it('reports mode api, its capabilities and default model', () => {
    const p = createProvider('g', parseConfig({ providers: { g: { type: 'gemini', api_key: 'k' } } }).providers.g);
    expect(p).toMatchObject({ type: 'gemini', mode: 'api', defaultModel: 'gemini-2.5-flash', capabilities: { jsonSchema: true, embeddings: true, streaming: true } });
    expect(p.models).toContain('gemini-embedding-001');
  });
});
