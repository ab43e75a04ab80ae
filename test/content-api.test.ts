import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KIND_NAMES, KINDS, type Kind } from '../src/content/index.js';
import { SAMPLES } from './content-fixtures.js';
import { chunk, completion, json, startFakeOpenAI, type Behaviour, type FakeOpenAI, type Received } from './helpers/fake-openai.js';
import { assertSchema } from './helpers/openapi.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

let upstream: FakeOpenAI;
let custom: FakeOpenAI;
let pm: TestPolymath;

/** The kind a content request asks for, read from its response_format or its system prompt. */
function kindOf(req: Received): Kind {
  const named = req.body?.response_format?.json_schema?.name;
  if (named) return named as Kind;
  return KIND_NAMES.find((k) => JSON.stringify(req.body).includes(`"kind":"${k}"`)) ?? 'quiz';
}

/** Answers each request with the next text from `answers(req, n)` (n = 0 for the first call). */
function answering(answers: (req: Received, n: number) => string): Behaviour {
  let n = 0;
  return (req, res) => {
    const text = answers(req, n++);
    const model = req.body.model as string;
    if (!req.body.stream) return json(res, 200, completion(model, text));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(`data: ${JSON.stringify(chunk(model, { role: 'assistant', content: '' }))}\n\n`);
    for (let i = 0; i < text.length; i += 25) res.write(`data: ${JSON.stringify(chunk(model, { content: text.slice(i, i + 25) }))}\n\n`);
    res.write(`data: ${JSON.stringify(chunk(model, {}, 'stop'))}\n\n`);
    res.write(`data: ${JSON.stringify({ ...chunk(model, {}), choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } })}\n\n`);
    res.end('data: [DONE]\n\n');
  };
}

const validAnswers = answering((req) => JSON.stringify(SAMPLES[kindOf(req)]));

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  custom = await startFakeOpenAI();
  pm = await startPolymath({
    providers: {
      up: { type: 'openai-compatible', base_url: upstream.url, api_key: 'sk-test', default_model: 'gpt-fake' },
      plain: { type: 'http', url: `${custom.url}/generate`, default_model: 'plain-model' },
    },
    routes: { default: { targets: [{ provider: 'up' }] } },
  });
});
beforeEach(() => {
  upstream.behave = validAnswers;
  upstream.received.length = 0;
  custom.received.length = 0;
});
afterAll(async () => {
  await pm?.close();
  await upstream?.close();
  await custom?.close();
});

async function post(path: string, body: unknown) {
  const res = await request(`${pm.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, body: JSON.parse(text) };
}

function bodyFor(kind: Kind): Record<string, unknown> {
  return KINDS[kind].input === 'text' ? { text: 'Magma rises. It comes out as lava. The lava cools into rock.', topic: 'volcano' } : { topic: 'volcano' };
}

const userMessages = (r: Received): string[] => r.body.messages.filter((m: { role: string }) => m.role === 'user').map((m: { content: string }) => m.content);

describe('POST /v1/content/{kind} through an OpenAI-compatible upstream', () => {
  it.each(KIND_NAMES)('returns a schema-valid %s in the public shape', async (kind) => {
    const res = await post(`/v1/content/${kind}`, { ...bodyFor(kind), persona: { grade: 5, interests: ['football'] } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(expect.arrayContaining(['kind', 'content', 'quality', 'provider', 'model', 'attempts', 'usage']));
    expect(res.body).toMatchObject({ kind, content: SAMPLES[kind], provider: 'up', model: 'gpt-fake', attempts: 1, usage: { prompt_tokens: 9, completion_tokens: 3 } });
    expect(res.body.quality.passed).toBe(true);
    expect(res.headers['x-polymath-provider']).toBe('up');

    expect(upstream.received).toHaveLength(1);
    const sent = upstream.received[0].body;
    expect(sent.model).toBe('gpt-fake');
    expect(sent.temperature).toBe(KINDS[kind].temperature);
    expect(sent.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: kind, strict: true, schema: { type: 'object' } } });
    expect(sent.messages[0].role).toBe('system');
    expect(sent.messages[0].content).toContain('grade 5 learner');
    expect(sent.messages[0].content).toContain('football');
    expect(userMessages(upstream.received[0])[0]).toContain('volcano');
  });

  it('uses a temperature the request sets instead of the kind default', async () => {
    await post('/v1/content/quiz', { topic: 'volcano', options: { temperature: 1.1, count: 3 } });
    expect(upstream.received[0].body.temperature).toBe(1.1);
    expect(userMessages(upstream.received[0])[0]).toContain('quiz of 3 questions');
  });

  it('repairs an invalid answer by sending the validation errors back', async () => {
    const broken = { ...SAMPLES.lesson, objectives: [] as string[] };
    upstream.behave = answering((_req, n) => JSON.stringify(n === 0 ? broken : SAMPLES.lesson));
    const res = await post('/v1/content/lesson', { topic: 'volcano' });
    expect(res.status).toBe(200);
    expect(res.body.attempts).toBe(2);
    expect(res.body.usage).toEqual({ prompt_tokens: 18, completion_tokens: 6 });
    expect(upstream.received).toHaveLength(2);
    const repair = upstream.received[1].body.messages;
    expect(repair.at(-2)).toEqual({ role: 'assistant', content: JSON.stringify(broken) });
    expect(repair.at(-1).content).toMatch(/objectives: Too small/);
  });

  it('regenerates content that fails a pedagogy check, naming the check', async () => {
    const badKey = { title: 'q', questions: [{ ...SAMPLES.quiz.questions[0], correct_index: 5 }] };
    upstream.behave = answering((_req, n) => JSON.stringify(n === 0 ? badKey : SAMPLES.quiz));
    const res = await post('/v1/content/quiz', { topic: 'volcano' });
    expect(res.body.attempts).toBe(2);
    expect(upstream.received[1].body.messages.at(-1).content).toContain('key_among_options: question 1: correct_index 5 is not among its 3 options');
  });

  it('ends in a 422 invalid_output listing what was wrong after two failed repairs', async () => {
    upstream.behave = answering((_req, n) => JSON.stringify({ title: `q${n}`, questions: [{ type: 'multiple_choice', question: 'Q?', options: ['a', 'a'], correct_index: 0 }] }));
    const res = await post('/v1/content/quiz', { topic: 'volcano' });
    expect(res.status).toBe(422);
    assertSchema('ErrorResponse', res.body);
    expect(res.body.error.type).toBe('invalid_output');
    expect(res.body.error.code).toBe('invalid_output');
    expect(res.body.error.message).toContain('after 3 attempts');
    expect(res.body.error.message).toContain('questions.0.explanation');
    expect(upstream.received).toHaveLength(3);
  });

  it('stops repairing when the provider repeats the same invalid answer', async () => {
    upstream.behave = answering(() => '{"cards": []}');
    const res = await post('/v1/content/flashcards', { topic: 'volcano' });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain('after 2 attempts (the repair returned the same answer): cards: Too small');
    expect(upstream.received).toHaveLength(2);
  });

  it('extracts JSON wrapped in prose', async () => {
    upstream.behave = answering(() => `Here is your quiz:\n\`\`\`json\n${JSON.stringify(SAMPLES.quiz)}\n\`\`\`\nEnjoy!`);
    const res = await post('/v1/content/quiz', { topic: 'volcano' });
    expect(res.status).toBe(200);
    expect(res.body.content).toEqual(SAMPLES.quiz);
  });

  it('puts the JSON Schema in the prompt for a provider without a JSON-schema mode', async () => {
    custom.behave = (req, res) => json(res, 200, { content: `Sure! ${JSON.stringify(SAMPLES.flashcards)}` });
    const res = await post('/v1/content/flashcards', { topic: 'volcano', model: 'plain' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ provider: 'plain', model: 'plain-model', content: SAMPLES.flashcards });
    const sent = custom.received[0].body;
    expect(JSON.stringify(sent)).not.toContain('"response_format"');
    const system = sent.messages.find((m: { role: string }) => m.role === 'system').content as string;
    expect(system).toContain('"cards"');
    expect(system).toContain('JSON Schema');
    expect(sent.intent).toMatchObject({ kind: 'flashcards', topic: 'volcano', schema: { type: 'object' } });
  });
});

describe('POST /v1/content/{kind} request errors', () => {
  it('answers 404 for an unknown kind, listing the kinds', async () => {
    const res = await post('/v1/content/poem', { topic: 'volcano' });
    expect(res.status).toBe(404);
    assertSchema('ErrorResponse', res.body);
    expect(res.body.error.message).toContain('knowledge_graph');
  });

  it.each([
    ['no topic or text', 'quiz', {}, 'topic'],
    ['a summary without text', 'summary', { topic: 'volcano' }, 'text'],
    ['a persona with a bad grade', 'quiz', { topic: 'volcano', persona: { grade: 14 } }, 'persona.grade'],
    ['an unknown persona field', 'quiz', { topic: 'volcano', persona: { grade_level: 5 } }, 'persona'],
    ['stream on a kind that does not stream', 'quiz', { topic: 'volcano', stream: true }, 'stream'],
    ['a count out of range', 'quiz', { topic: 'volcano', options: { count: 500 } }, 'options.count'],
  ])('answers 400 for %s', async (_name, kind, body, param) => {
    const res = await post(`/v1/content/${kind}`, body);
    expect(res.status).toBe(400);
    assertSchema('ErrorResponse', res.body);
    expect(res.body.error.param).toBe(param);
    expect(upstream.received).toHaveLength(0);
  });

  it('answers 404 model_not_found for an unknown model', async () => {
    const res = await post('/v1/content/quiz', { topic: 'volcano', model: 'nope' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('model_not_found');
  });
});

describe('POST /v1/content/batch', () => {
  it('returns a result or an error per item', async () => {
    upstream.behave = answering((req) => {
      const kind = kindOf(req);
      return kind === 'flashcards' ? '{"cards": []}' : JSON.stringify(SAMPLES[kind]);
    });
    const res = await post('/v1/content/batch', {
      concurrency: 2,
      items: [
        { kind: 'quiz', topic: 'volcano' },
        { kind: 'poem', topic: 'volcano' },
        { kind: 'flashcards', topic: 'volcano' },
        { kind: 'summary' },
        { kind: 'outline', topic: 'volcano', persona: { grade: 5 } },
      ],
    });
    expect(res.status).toBe(200);
    const data = res.body.data;
    expect(data.map((d: { index: number; status: number }) => [d.index, d.status])).toEqual([[0, 200], [1, 404], [2, 422], [3, 400], [4, 200]]);
    expect(data[0]).toMatchObject({ kind: 'quiz', content: SAMPLES.quiz, provider: 'up' });
    expect(data[4]).toMatchObject({ kind: 'outline', content: SAMPLES.outline });
    for (const failed of [data[1], data[2], data[3]]) assertSchema('ErrorResponse', { error: failed.error });
    expect(data[2].error.message).toContain('cards: Too small');
  });

  it('rejects a batch that is not a list of items', async () => {
    const res = await post('/v1/content/batch', { items: 'quiz' });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('items');
  });
});

/** Reads an SSE body into its JSON events. */
function events(text: string): Array<Record<string, any>> {
  return text
    .split('\n\n')
    .filter((f) => f.startsWith('data: '))
    .map((f) => JSON.parse(f.slice(6)));
}

describe('streaming content', () => {
  it('streams partial objects, then one result with the validated object and its quality', async () => {
    const res = await request(`${pm.url}/v1/content/lesson`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'volcano', stream: true }) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const evs = events(await res.body.text());
    const partials = evs.filter((e) => e.type === 'partial');
    expect(partials.length).toBeGreaterThan(3);
    expect(JSON.stringify(partials[0].content).length).toBeLessThan(JSON.stringify(partials.at(-1)!.content).length);
    const last = evs.at(-1)!;
    expect(last).toMatchObject({ type: 'result', kind: 'lesson', content: SAMPLES.lesson, provider: 'up', attempts: 1, quality: { passed: true }, usage: { prompt_tokens: 9, completion_tokens: 3 } });
    expect(upstream.received[0].body.stream).toBe(true);
  });

  it('announces a repair round when the streamed answer is invalid, then sends the repaired result', async () => {
    upstream.behave = answering((_req, n) => (n === 0 ? '{"title": "Volcanoes", "markdown": ""}' : JSON.stringify(SAMPLES.explanation)));
    const res = await request(`${pm.url}/v1/content/explanation`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'volcano', stream: true }) });
    const evs = events(await res.body.text());
    const repair = evs.find((e) => e.type === 'repair');
    expect(repair).toMatchObject({ attempt: 2 });
    expect(repair!.errors.join()).toContain('markdown');
    expect(evs.at(-1)).toMatchObject({ type: 'result', attempts: 2, content: SAMPLES.explanation });
  });

  it('ends the stream with an error event when every attempt fails', async () => {
    upstream.behave = answering(() => '{"title": "x"}');
    const res = await request(`${pm.url}/v1/content/story`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'volcano', stream: true }) });
    const evs = events(await res.body.text());
    const last = evs.at(-1)!;
    expect(last.type).toBe('error');
    assertSchema('ErrorResponse', { error: last.error });
    expect(last.error.code).toBe('invalid_output');
  });
});
