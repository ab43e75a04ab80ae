import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../src/providers/presets.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

describe('OpenAI-compatible presets', () => {
  it('point at each upstream’s documented base URL', () => {
    expect(Object.fromEntries(Object.entries(PRESETS).map(([k, v]) => [k, v.base_url]))).toEqual({
      openai: 'https://api.openai.com/v1',
      openrouter: 'https://openrouter.ai/api/v1',
      perplexity: 'https://api.perplexity.ai',
      ollama: 'http://127.0.0.1:11434/v1',
      vllm: 'http://127.0.0.1:8000/v1',
      'llama.cpp': 'http://127.0.0.1:8080/v1',
      lmstudio: 'http://127.0.0.1:1234/v1',
    });
  });

  describe('on the wire', () => {
    let upstream: FakeOpenAI;
    let pm: TestPolymath;
    beforeAll(async () => {
      upstream = await startFakeOpenAI();
      pm = await startPolymath({
        providers: {
          // base_url overrides the preset's host; its headers and default model stay.
          openrouter: { type: 'openai-compatible', preset: 'openrouter', base_url: upstream.url, api_key: 'sk-or-test' },
          pplx: { type: 'openai-compatible', preset: 'perplexity', base_url: upstream.url, api_key: 'pplx-test', headers: { 'X-Title': 'Mine', 'x-request-id': 'fixed' } },
        },
      });
    });
    afterAll(async () => {
      await pm?.close();
      await upstream?.close();
    });

    it('openrouter sends its attribution headers and the preset’s default model', async () => {
      await pm.client.chat.completions.create({ model: 'openrouter', messages: [{ role: 'user', content: 'hi' }] });
      const sent = upstream.received.at(-1)!;
      expect(sent.headers['http-referer']).toBe(PRESETS.openrouter.headers['HTTP-Referer']);
      expect(sent.headers['x-title']).toBe('Polymath');
      expect(sent.headers.authorization).toBe('Bearer sk-or-test');
      expect(sent.body.model).toBe('openai/gpt-4o-mini');
    });

    it('a provider’s own headers win over its preset’s', async () => {
      await pm.client.chat.completions.create({ model: 'pplx/sonar-pro', messages: [{ role: 'user', content: 'hi' }] });
      const sent = upstream.received.at(-1)!;
      expect(sent.headers['x-title']).toBe('Mine');
      expect(sent.body.model).toBe('sonar-pro');
    });

    it('the request id is sent once, in place of a configured header of the same name', async () => {
      await pm.client.chat.completions.create({ model: 'pplx/sonar-pro', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-request-id': 'req-42' } });
      expect(upstream.received.at(-1)!.headers['x-request-id']).toBe('req-42');
    });
  });
});
