import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config/from-env.js';
import { loadConfig } from '../src/config/index.js';
import { checkContent } from '../src/content/quality/index.js';
import { quizSchema } from '../src/content/schemas/index.js';
import { completion, json, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { assertSchema } from './helpers/openapi.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

const FAKE_QUIZ = {
  title: 'Zorblax quiz',
  questions: [{ type: 'short_answer', question: 'What is a zorblax?', accepted_answers: ['a made-up thing'], rubric: 'Any answer saying it is made up.', explanation: 'Zorblax is a made-up word.' }],
};

async function post(pm: TestPolymath, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${pm.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe('with no keys and no config file', () => {
  let pm: TestPolymath;
  beforeAll(async () => {
    pm = await startPolymath(configFromEnv({}));
  });
  afterAll(() => pm?.close());

  it('builds a config whose default route ends with the offline library', () => {
    const { config, file } = loadConfig({ cwd: mkdtempSync(join(tmpdir(), 'pm-empty-')), env: {} });
    expect(file).toBeUndefined();
    expect(config.providers.library).toMatchObject({ type: 'library' });
    expect(config.routes.default.targets.at(-1)).toMatchObject({ provider: 'library' });
  });

  it('POST /v1/content/quiz for "volcano", grade 5, returns a schema-valid quiz that passes every check', async () => {
    const res = await post(pm, '/v1/content/quiz', { topic: 'volcano', persona: { grade: 5 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'quiz', provider: 'library', model: 'wordnet-3.1', attempts: 1, quality: { passed: true } });
    const quiz = quizSchema.parse(res.body.content);
    expect(quiz.questions.length).toBeGreaterThanOrEqual(3);
    const report = checkContent('quiz', quiz, { grade: 5 });
    expect(report.checks.filter((c) => !c.passed)).toEqual([]);
    expect(res.body.quality.checks.every((c: { passed: boolean }) => c.passed)).toBe(true);
  });

  it('streams a lesson from the library through the content API', async () => {
    const res = await fetch(`${pm.url}/v1/content/lesson`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'fraction', persona: { grade: 5 }, stream: true }) });
    expect(res.status).toBe(200);
    const events = (await res.text()).split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
    const result = events.at(-1);
    expect(result).toMatchObject({ type: 'result', kind: 'lesson', provider: 'library', quality: { passed: true } });
    expect(result.content.title).toBe('Fraction');
  });

  it('answers 404 in OpenAI error JSON for a topic WordNet lacks and for a kind it cannot write', async () => {
    const unknown = await post(pm, '/v1/content/quiz', { topic: 'zorblaxian hyperwidgets', persona: { grade: 5 } });
    expect(unknown.status).toBe(404);
    assertSchema('ErrorResponse', unknown.body);
    expect(unknown.body.error.message).toMatch(/WordNet has no entry for "zorblaxian hyperwidgets"/);
    const story = await post(pm, '/v1/content/story', { topic: 'volcano' });
    expect(story.status).toBe(404);
    assertSchema('ErrorResponse', story.body);
    expect(story.body.error.code).toBe('kind_not_supported');
  });

  it('answers a plain chat through the openai client with an explanation of the asked-about word', async () => {
    const res = await pm.client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'What is a volcano?' }] });
    assertSchema('CreateChatCompletionResponse', res);
    expect(res.model).toBe('wordnet-3.1');
    const text = res.choices[0].message.content ?? '';
    expect(text).toMatch(/^# Volcano\n/);
    expect(text).toContain('A volcano is a mountain formed by volcanic material.');
    expect(text).toContain('## Where it fits');
  });

  it('streams the same answer as OpenAI chunks', async () => {
    const whole = await pm.client.chat.completions.create({ model: 'library', messages: [{ role: 'user', content: 'tell me about the solar system' }] });
    const stream = await pm.client.chat.completions.create({ model: 'library', messages: [{ role: 'user', content: 'tell me about the solar system' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    for await (const c of stream) {
      assertSchema('CreateChatCompletionStreamResponse', c);
      text += c.choices[0]?.delta?.content ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('stop');
    expect(text).toBe(whole.choices[0].message.content);
    expect(text).toMatch(/^# Solar system/);
  });

  it('answers 404 through the openai client when no word of the message is in WordNet', async () => {
    const err = await pm.client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'xqzv plorbt?' }] }).then(
      () => undefined,
      (e: { status?: number; error?: unknown }) => e,
    );
    expect(err?.status).toBe(404);
    assertSchema('ErrorResponse', { error: err?.error });
  });
});

describe('the library in a fallback route', () => {
  let upstream: FakeOpenAI;
  let pm: TestPolymath;
  beforeAll(async () => {
    upstream = await startFakeOpenAI((req, res) => {
      const content = req.body.response_format ? JSON.stringify(FAKE_QUIZ) : 'The fake knows zorblaxes.';
      json(res, 200, completion(req.body.model, content));
    });
    pm = await startPolymath({
      providers: { library: { type: 'library' }, up: { type: 'openai-compatible', base_url: upstream.url, api_key: 'sk-x', default_model: 'gpt-fake' } },
      routes: { default: { strategy: 'fallback', targets: [{ provider: 'library' }, { provider: 'up' }] } },
    });
  });
  afterAll(async () => {
    await pm?.close();
    await upstream?.close();
  });

  it('answers a topic WordNet knows itself, without calling the next target', async () => {
    const res = await post(pm, '/v1/content/flashcards', { topic: 'triangle', persona: { grade: 6 } });
    expect(res.status).toBe(200);
    expect(res.body.provider).toBe('library');
    expect(upstream.received).toHaveLength(0);
  });

  it('falls through to the next target for a topic WordNet lacks', async () => {
    const res = await post(pm, '/v1/content/quiz', { topic: 'zorblax' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ provider: 'up', content: FAKE_QUIZ });
    const chat = await pm.client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'what is a zorblax' }] });
    expect(chat.choices[0].message.content).toBe('The fake knows zorblaxes.');
    assertSchema('CreateChatCompletionResponse', chat);
  });

  it('falls through for a kind the library cannot write', async () => {
    const before = upstream.received.length;
    const res = await post(pm, '/v1/content/story', { topic: 'volcano' });
    // the fake answers every JSON request with a quiz, which is not a story: what matters is who was asked
    expect(upstream.received.length).toBeGreaterThan(before);
    expect([200, 422]).toContain(res.status);
  });
});
