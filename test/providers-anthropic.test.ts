import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config/from-env.js';
import { parseConfig } from '../src/config/index.js';
import { createProvider } from '../src/providers/index.js';
import { answer, anthropicBehaviour, anthropicError, FAKE_ANTHROPIC_KEY, message, startEventStream, startFakeAnthropic, writeEvent, eventsFor, type FakeAnthropic } from './helpers/fake-anthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { apiFailure, assertSchema } from './helpers/openapi.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

let claude: FakeAnthropic;
let backup: FakeOpenAI;
let pm: TestPolymath;

beforeAll(async () => {
  claude = await startFakeAnthropic();
  backup = await startFakeOpenAI();
  pm = await startPolymath({
    providers: {
      claude: { type: 'anthropic', api_key: FAKE_ANTHROPIC_KEY, base_url: claude.url, timeout_ms: 2_000 },
      badkey: { type: 'anthropic', api_key: 'sk-ant-wrong-secret', base_url: `${claude.url}/v1` },
      backup: { type: 'openai-compatible', base_url: backup.url, default_model: 'gpt-backup' },
    },
    routes: {
      resilient: { targets: [{ provider: 'claude' }, { provider: 'backup' }] },
    },
  });
});
afterAll(async () => {
  await pm?.close();
  await claude?.close();
  await backup?.close();
});
beforeEach(() => {
  claude.behave = anthropicBehaviour;
  claude.received.length = 0;
  backup.received.length = 0;
});

const failure = apiFailure;

describe('anthropic provider: chat', () => {
  it('translates an OpenAI request into a Messages request, field by field', async () => {
    const res = await pm.client.chat.completions.create({
      model: 'claude/claude-haiku-4-5',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: 'Use British spelling.' },
        { role: 'user', content: 'What colour is the sky?' },
        { role: 'assistant', content: 'Blue.' },
        { role: 'user', content: [{ type: 'text', text: 'And at night?' }] },
        { role: 'user', content: 'Answer in one word.' },
      ],
      max_tokens: 100,
      temperature: 0.3,
      top_p: 0.9,
      stop: ['END', 'STOP'],
      user: 'learner-42',
      seed: 7,
    });
    expect(claude.received).toHaveLength(1);
    const { method, url, headers, body } = claude.received[0];
    expect(method).toBe('POST');
    expect(url).toBe('/v1/messages');
    expect(headers['x-api-key']).toBe(FAKE_ANTHROPIC_KEY);
    expect(headers['anthropic-version']).toBe('2023-06-01');
    expect(headers['content-type']).toBe('application/json');
    expect(headers.authorization).toBeUndefined();
    expect(body).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      system: 'Be brief.\n\nUse British spelling.',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'What colour is the sky?' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Blue.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'And at night?' },
            { type: 'text', text: 'Answer in one word.' },
          ],
        },
      ],
      temperature: 0.3,
      stop_sequences: ['END', 'STOP'],
      metadata: { user_id: 'learner-42' },
    });

    assertSchema('CreateChatCompletionResponse', res);
    expect(res.id).toMatch(/^msg_fake/);
    expect(res.model).toBe('claude-haiku-4-5-20251001');
    expect(res.choices).toHaveLength(1);
    expect(res.choices[0].message).toMatchObject({ role: 'assistant', content: 'Hello from Claude.' });
    expect(res.choices[0].finish_reason).toBe('stop');
    expect(res.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 7, total_tokens: 28 });
  });

  it('uses the default model and max_tokens 4096 when the request names neither, and clamps temperature to 1', async () => {
    await pm.client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], temperature: 1.7, top_p: 0.5 });
    const body = claude.received[0].body;
    expect(body.model).toBe('claude-haiku-4-5');
    expect(body.max_tokens).toBe(4096);
    expect(body.temperature).toBe(1);
    expect(body.top_p).toBeUndefined();
  });

  it('sends top_p alone when there is no temperature, and max_completion_tokens as max_tokens', async () => {
    await pm.client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], top_p: 0.5, max_completion_tokens: 33 });
    expect(claude.received[0].body).toMatchObject({ top_p: 0.5, max_tokens: 33 });
    expect(claude.received[0].body.temperature).toBeUndefined();
  });

  it('sends image parts as base64 or url image blocks', async () => {
    await pm.client.chat.completions.create({
      model: 'claude',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    expect(claude.received[0].body.messages[0].content).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it('reports cached prompt tokens inside prompt_tokens, and max_tokens as finish_reason length', async () => {
    claude.behave = (req, res) =>
      answer(req, res, message([{ type: 'text', text: 'Once upon a' }], { stop_reason: 'max_tokens', usage: { input_tokens: 5, output_tokens: 3, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 } }));
    const res = await pm.client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'A story' }], max_tokens: 3 });
    assertSchema('CreateChatCompletionResponse', res);
    expect(res.choices[0].finish_reason).toBe('length');
    expect(res.usage).toMatchObject({ prompt_tokens: 125, completion_tokens: 3, total_tokens: 128, prompt_tokens_details: { cached_tokens: 100 } });
  });

  it('refuses n > 1 and unsupported parts with a clear 400 before calling Anthropic', async () => {
    const many = await failure(pm.client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], n: 2 }));
    expect(many.status).toBe(400);
    expect(many.error).toMatchObject({ param: 'n' });
    const audio = await failure(
      pm.client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] }),
    );
    expect(audio.status).toBe(400);
    expect(audio.message).toContain('input_audio');
    expect(claude.received).toHaveLength(0);
  });
});

describe('anthropic provider: streaming', () => {
  it('turns Anthropic events into OpenAI chunks, with usage last when asked', async () => {
    const stream = await pm.client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) {
      assertSchema('CreateChatCompletionStreamResponse', c);
      chunks.push(c);
    }
    expect(claude.received[0].body.stream).toBe(true);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Hello from Claude.');
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks[0].id).toMatch(/^msg_fake/);
    const finishes = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finishes.map((c) => c.choices[0].finish_reason)).toEqual(['stop']);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 7, total_tokens: 28 });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it('sends no usage field when include_usage is not asked, and maps stop_sequence to stop', async () => {
    claude.behave = (req, res) => answer(req, res, message([{ type: 'text', text: 'one two' }], { stop_reason: 'stop_sequence', stop_sequence: 'END' }));
    const stream = await pm.client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
  });

  it('falls back to the next target when the stream reports overloaded_error before any content', async () => {
    claude.behave = (_req, res) => {
      startEventStream(res);
      writeEvent(res, eventsFor(message([]))[0]);
      writeEvent(res, { type: 'ping' });
      writeEvent(res, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
      res.end();
    };
    const { data: stream, response } = await pm.client.chat.completions.create({ model: 'resilient', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    expect(response.headers.get('x-polymath-provider')).toBe('backup');
    expect(response.headers.get('x-polymath-attempts')).toBe('2');
    expect(text).toBe('Hello there');
  });

  it('ends a stream that already sent content with an error when Anthropic reports one', async () => {
    claude.behave = (_req, res) => {
      startEventStream(res);
      const events = eventsFor(message([{ type: 'text', text: 'partial answer' }]));
      for (const e of events.slice(0, 4)) writeEvent(res, e);
      writeEvent(res, { type: 'error', error: { type: 'api_error', message: 'Internal server error' } });
      res.end();
    };
    const stream = await pm.client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(text).toBe('partial ');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain('api_error');
  });
});

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('anthropic provider: tools', () => {
  it('sends tools and tool_choice, and returns tool_use blocks as tool_calls', async () => {
    claude.behave = (req, res) =>
      answer(req, res, message([{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }]));
    const res = await pm.client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
      tool_choice: 'required',
      parallel_tool_calls: false,
    });
    const body = claude.received[0].body;
    expect(body.tools).toEqual([{ name: 'get_weather', description: 'Weather for a city', input_schema: weatherTool.function.parameters }]);
    expect(body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    assertSchema('CreateChatCompletionResponse', res);
    expect(res.choices[0].finish_reason).toBe('tool_calls');
    expect(res.choices[0].message.content).toBe('Let me check.');
    expect(res.choices[0].message.tool_calls).toEqual([{ id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
  });

  it('maps each tool_choice form', async () => {
    const cases: Array<[OpenAI.Chat.ChatCompletionToolChoiceOption, unknown]> = [
      ['auto', { type: 'auto' }],
      ['none', { type: 'none' }],
      [{ type: 'function', function: { name: 'get_weather' } }, { type: 'tool', name: 'get_weather' }],
    ];
    for (const [choice] of cases) {
      await pm.client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'x' }], tools: [weatherTool], tool_choice: choice });
    }
    expect(claude.received.map((r) => r.body.tool_choice)).toEqual(cases.map(([, expected]) => expected));
  });

  it('sends the assistant tool calls and the tool results back as tool_use and tool_result blocks', async () => {
    await pm.client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_02', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_01', content: 'Sunny, 21C' },
        { role: 'tool', tool_call_id: 'toolu_02', content: [{ type: 'text', text: 'Rain, 14C' }] },
      ],
      tools: [weatherTool],
    });
    expect(claude.received[0].body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_02', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01', content: 'Sunny, 21C' },
          { type: 'tool_result', tool_use_id: 'toolu_02', content: 'Rain, 14C' },
        ],
      },
    ]);
  });

  it('refuses tool call arguments that are not JSON with a 400', async () => {
    const err = await failure(
      pm.client.chat.completions.create({
        model: 'claude',
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{city:' } }] },
          { role: 'tool', tool_call_id: 't1', content: 'ok' },
        ],
      }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toContain('not valid JSON');
  });

  it('streams tool calls as OpenAI tool_calls deltas', async () => {
    claude.behave = (req, res) =>
      answer(req, res, message([{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_09', name: 'get_weather', input: { city: 'Reykjavík', days: 3 } }]));
    const stream = await pm.client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'x' }], tools: [weatherTool], stream: true });
    let text = '';
    const calls: Record<number, { id?: string; name?: string; args: string }> = {};
    let finish: string | null = null;
    for await (const c of stream) {
      assertSchema('CreateChatCompletionStreamResponse', c);
      const d = c.choices[0]?.delta;
      text += d?.content ?? '';
      for (const tc of d?.tool_calls ?? []) {
        calls[tc.index] ??= { args: '' };
        if (tc.id) calls[tc.index].id = tc.id;
        if (tc.function?.name) calls[tc.index].name = tc.function.name;
        calls[tc.index].args += tc.function?.arguments ?? '';
      }
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('Checking.');
    expect(calls[0]).toEqual({ id: 'toolu_09', name: 'get_weather', args: '{"city":"Reykjavík","days":3}' });
    expect(finish).toBe('tool_calls');
  });
});

const quizSchema = {
  type: 'object',
  properties: { question: { type: 'string' }, answer: { type: 'string' } },
  required: ['question', 'answer'],
  additionalProperties: false,
};

describe('anthropic provider: JSON output', () => {
  it('asks for json_schema through a forced tool and returns its input as the content', async () => {
    claude.behave = (req, res) => answer(req, res, message([{ type: 'tool_use', id: 'toolu_j', name: 'quiz', input: { question: '2+2?', answer: '4' } }]));
    const res = await pm.client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'One quiz question' }],
      response_format: { type: 'json_schema', json_schema: { name: 'quiz', schema: quizSchema, strict: true } },
    });
    const body = claude.received[0].body;
    expect(body.tools).toEqual([{ name: 'quiz', description: expect.any(String), input_schema: quizSchema }]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'quiz' });
    assertSchema('CreateChatCompletionResponse', res);
    expect(res.choices[0].finish_reason).toBe('stop');
    expect(res.choices[0].message.tool_calls).toBeUndefined();
    expect(JSON.parse(res.choices[0].message.content!)).toEqual({ question: '2+2?', answer: '4' });
  });

  it('streams JSON output as content deltas that parse', async () => {
    claude.behave = (req, res) => answer(req, res, message([{ type: 'tool_use', id: 'toolu_j', name: 'json_output', input: { answer: 'forty-two', n: 42 } }]));
    const stream = await pm.client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'JSON please' }],
      response_format: { type: 'json_object' },
      stream: true,
    });
    let text = '';
    let finish: string | null = null;
    for await (const c of stream) {
      assertSchema('CreateChatCompletionStreamResponse', c);
      expect(c.choices[0]?.delta?.tool_calls).toBeUndefined();
      text += c.choices[0]?.delta?.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(claude.received[0].body.tool_choice).toEqual({ type: 'tool', name: 'json_output' });
    expect(claude.received[0].body.tools[0].input_schema).toEqual({ type: 'object' });
    expect(JSON.parse(text)).toEqual({ answer: 'forty-two', n: 42 });
    expect(finish).toBe('stop');
  });

  it('with tools of its own, offers the JSON tool beside them and requires one of them', async () => {
    await pm.client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'x' }],
      tools: [weatherTool],
      response_format: { type: 'json_schema', json_schema: { name: 'quiz', schema: quizSchema } },
    });
    const body = claude.received[0].body;
    expect(body.tools.map((t: { name: string }) => t.name)).toEqual(['get_weather', 'quiz']);
    expect(body.tool_choice).toEqual({ type: 'any' });
  });

  it('refuses a JSON schema whose root is not an object', async () => {
    const err = await failure(
      pm.client.chat.completions.create({
        model: 'claude',
        messages: [{ role: 'user', content: 'x' }],
        response_format: { type: 'json_schema', json_schema: { name: 'list', schema: { type: 'array', items: { type: 'string' } } } },
      }),
    );
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ param: 'response_format' });
  });
});

describe('anthropic provider: errors', () => {
  it('passes a 400 invalid_request_error on with its message, and does not fall back', async () => {
    claude.behave = (_req, res) => anthropicError(res, 400, 'invalid_request_error', 'messages.0.content: text content blocks must be non-empty');
    const err = await failure(pm.client.chat.completions.create({ model: 'resilient', messages: [{ role: 'user', content: 'x' }] }));
    expect(err.status).toBe(502);
    expect(err.message).toContain('HTTP 400 invalid_request_error: messages.0.content: text content blocks must be non-empty');
    expect(err.error).toMatchObject({ code: 'upstream_400' });
    expect(backup.received).toHaveLength(0);
  });

  it('reports a rejected key (401) without revealing the key', async () => {
    const err = await failure(pm.client.chat.completions.create({ model: 'badkey', messages: [{ role: 'user', content: 'x' }] }));
    expect(claude.received[0].url).toBe('/v1/messages');
    expect(err.status).toBe(502);
    expect(err.message).toContain('HTTP 401 authentication_error: invalid x-api-key');
    expect(JSON.stringify(err.error)).not.toContain('wrong-secret');
  });

  it('falls back to the next target on 529 overloaded_error', async () => {
    claude.behave = (_req, res) => anthropicError(res, 529, 'overloaded_error', 'Overloaded');
    const { data, response } = await pm.client.chat.completions.create({ model: 'resilient', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    assertSchema('CreateChatCompletionResponse', data);
    expect(data.choices[0].message.content).toBe('Hello from the fake.');
    expect(response.headers.get('x-polymath-provider')).toBe('backup');
    expect(claude.received).toHaveLength(1);
  });

  it('reports 529 as a retryable upstream error when there is nothing to fall back to', async () => {
    claude.behave = (_req, res) => anthropicError(res, 529, 'overloaded_error', 'Overloaded');
    const err = await failure(pm.client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'x' }] }));
    expect(err.status).toBe(502);
    expect(err.message).toContain('529 overloaded_error: Overloaded');
    expect(err.error).toMatchObject({ code: 'upstream_529' });
  });

  it('falls back on 429 rate_limit_error and reads its retry-after', async () => {
    claude.behave = (_req, res) => anthropicError(res, 429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', { 'retry-after': '17' });
    const { response } = await pm.client.chat.completions.create({ model: 'resilient', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(response.headers.get('x-polymath-provider')).toBe('backup');

    const provider = createProvider('direct', parseConfig({ providers: { direct: { type: 'anthropic', api_key: FAKE_ANTHROPIC_KEY, base_url: claude.url } } }).providers.direct);
    const thrown = await provider.chat({ model: 'x', messages: [{ role: 'user', content: 'x' }] }, { signal: new AbortController().signal, model: 'claude-haiku-4-5', requestId: 'r1' }).catch((e: unknown) => e);
    await provider.close?.();
    expect(thrown).toMatchObject({ kind: 'upstream_error', details: { upstreamStatus: 429, retryAfter: 17, provider: 'direct' } });
  });

  it('answers 504 when Anthropic does not answer within timeout_ms', async () => {
    claude.behave = () => {
      // never answers
    };
    const err = await failure(pm.client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'x' }] }));
    expect(err.status).toBe(504);
  });

  it('reports a malformed 200 body as an upstream error, not a crash', async () => {
    claude.behave = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "msg_x", "content": ');
    };
    const err = await failure(pm.client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'x' }] }));
    expect(err.status).toBe(502);
    expect(err.message).toContain('malformed JSON');
  });
});

describe('anthropic provider: metadata and environment', () => {
  it('reports mode api, its capabilities and default model', () => {
    const p = createProvider('c', parseConfig({ providers: { c: { type: 'anthropic', api_key: 'k' } } }).providers.c);
    expect(p).toMatchObject({ type: 'anthropic', mode: 'api', defaultModel: 'claude-haiku-4-5', capabilities: { jsonSchema: true, embeddings: false, streaming: true } });
    expect(p.embed).toBeUndefined();
  });

  it('adds anthropic and gemini from ANTHROPIC_API_KEY and GOOGLE_API_KEY, LLM_PROVIDER first', () => {
    const raw = configFromEnv({ ANTHROPIC_API_KEY: 'a-key', GOOGLE_API_KEY: 'g-key', ANTHROPIC_MODEL: 'claude-sonnet-4-5', LLM_PROVIDER: 'google' });
    const cfg = parseConfig(raw);
    expect(cfg.providers.anthropic).toMatchObject({ type: 'anthropic', api_key: 'a-key', default_model: 'claude-sonnet-4-5' });
    expect(cfg.providers.gemini).toMatchObject({ type: 'gemini', api_key: 'g-key' });
    expect(cfg.routes.default.targets.map((t) => t.provider).slice(0, 2)).toEqual(['gemini', 'anthropic']);
  });

  it('prefers GEMINI_API_KEY over GOOGLE_API_KEY', () => {
    const cfg = parseConfig(configFromEnv({ GEMINI_API_KEY: 'gem', GOOGLE_API_KEY: 'goog' }));
    expect(cfg.providers.gemini).toMatchObject({ api_key: 'gem' });
  });
});
