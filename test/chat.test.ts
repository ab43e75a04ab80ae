import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSchema } from './helpers/openapi.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

let upstream: FakeOpenAI;
let pm: TestPolymath;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  pm = await startPolymath({
    providers: { up: { type: 'openai-compatible', base_url: upstream.url, api_key: 'sk-upstream-secret', default_model: 'gpt-fake' } },
    routes: { default: { targets: [{ provider: 'up' }] } },
  });
});
afterAll(async () => {
  await pm?.close();
  await upstream?.close();
});

describe('POST /v1/chat/completions', () => {
  it('answers a non-streaming completion in OpenAI shape through the openai client', async () => {
    const res = await pm.client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0].message.content).toBe('Hello from the fake.');
    assertSchema('CreateChatCompletionResponse', res);
  });

  it('streams chunks and ends with [DONE]', async () => {
    const stream = await pm.client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    for await (const c of stream) {
      assertSchema('CreateChatCompletionStreamResponse', c);
      text += c.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe('Hello there');
  });
});
