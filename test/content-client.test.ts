import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PolymathApiError, PolymathClient } from '../src/client/index.js';
import type { Kind } from '../src/content/index.js';
import { SAMPLES } from './content-fixtures.js';
import { chunk, completion, json, openAIBehaviour, startFakeOpenAI, type Behaviour, type FakeOpenAI } from './helpers/fake-openai.js';
import { assertSchema } from './helpers/openapi.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

const run = promisify(execFile);
let upstream: FakeOpenAI;
let pm: TestPolymath;
let client: PolymathClient;

/** Chat and embeddings as OpenAI answers them; content requests get the kind's sample, streamed when asked. */
const behaviour: Behaviour = (req, res) => {
  const kind = req.body?.response_format?.json_schema?.name as Kind | undefined;
  if (!kind) return openAIBehaviour(req, res);
  const text = JSON.stringify(SAMPLES[kind]);
  if (!req.body.stream) return json(res, 200, completion(req.body.model, text));
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (let i = 0; i < text.length; i += 40) res.write(`data: ${JSON.stringify(chunk(req.body.model, { content: text.slice(i, i + 40) }))}\n\n`);
  res.write(`data: ${JSON.stringify(chunk(req.body.model, {}, 'stop'))}\n\n`);
  res.end('data: [DONE]\n\n');
};

beforeAll(async () => {
  upstream = await startFakeOpenAI(behaviour);
  pm = await startPolymath({
    providers: { up: { type: 'openai-compatible', base_url: upstream.url, default_model: 'gpt-fake' } },
    routes: { default: { targets: [{ provider: 'up' }] } },
  });
  client = new PolymathClient({ baseUrl: pm.url, apiKey: 'k', timeoutMs: 20_000 });
});
beforeEach(() => {
  upstream.behave = behaviour;
});
afterAll(async () => {
  await upstream?.close();
  // The aborted requests above leave a connection the server does not see as idle; drop it so
  // close() does not wait for the client's keep-alive timeout (a server-shutdown issue, reported).
  pm?.app.server.closeAllConnections();
  await pm?.close();
});

describe('the typed client against a running server', () => {
  it('generates typed content', async () => {
    const quiz = await client.generate('quiz', { topic: 'volcano', persona: { grade: 5 } });
    expect(quiz.kind).toBe('quiz');
    const first = quiz.content.questions[0];
    expect(first.type === 'multiple_choice' ? first.options[first.correct_index] : '').toBe('Magma');
    expect(quiz.quality.passed).toBe(true);
    expect(quiz).toMatchObject({ provider: 'up', model: 'gpt-fake', attempts: 1 });
  });

  it('streams partial objects and ends with the validated result', async () => {
    const seen: string[] = [];
    let result;
    for await (const event of client.stream('outline', { topic: 'volcano' })) {
      seen.push(event.type);
      if (event.type === 'result') result = event;
    }
    expect(seen.filter((t) => t === 'partial').length).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe('result');
    expect(result!.content).toEqual(SAMPLES.outline);
  });

  it('runs a batch with a failing item', async () => {
    const entries = await client.batch([{ kind: 'flashcards', topic: 'volcano' }, { kind: 'summary', topic: 'no text' }], { concurrency: 2 });
    expect(entries[0]).toMatchObject({ status: 200, kind: 'flashcards', content: SAMPLES.flashcards });
    expect(entries[1]).toMatchObject({ status: 400, error: { param: 'text' } });
  });

  it('calls chat and embeddings in OpenAI shape', async () => {
    const chat = await client.chat({ model: 'default', messages: [{ role: 'user', content: 'hi' }] });
    assertSchema('CreateChatCompletionResponse', chat);
    expect(chat.choices[0].message.content).toBe('Hello from the fake.');
    const emb = await client.embeddings({ model: 'up/text-embedding-3-small', input: ['a', 'b'] });
    assertSchema('CreateEmbeddingResponse', emb);
    expect(emb.data).toHaveLength(2);
  });

  it('throws PolymathApiError with the status and code of an error', async () => {
    const err = await client.generate('quiz', { topic: 'volcano', model: 'missing' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolymathApiError);
    expect(err).toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('gives up at its timeout with a timeout error', async () => {
    upstream.behave = () => {}; // never answers
    const slow = new PolymathClient({ baseUrl: `${pm.url}/v1`, timeoutMs: 300 });
    const err = await slow.generate('quiz', { topic: 'volcano' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'PolymathApiError', type: 'timeout' });
  });

  it('stops when its AbortSignal fires', async () => {
    upstream.behave = () => {};
    const controller = new AbortController();
    const pending = client.generate('lesson', { topic: 'volcano' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toThrow();
  });
});

describe('polymath generate (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'polymath-cli-'));
  const cli = (args: string[]) =>
    run(process.execPath, ['--import', pathToFileURL(join(process.cwd(), 'node_modules/tsx/dist/loader.mjs')).href, join(process.cwd(), 'src/cli.ts'), 'generate', ...args], { cwd: dir, timeout: 60_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  const configFile = () => {
    const file = join(dir, 'polymath.yaml');
    writeFileSync(file, `store: { url: "sqlite://:memory:" }\nproviders:\n  up: { type: openai-compatible, base_url: "${upstream.url}", default_model: gpt-fake }\nroutes:\n  default: { targets: [ { provider: up } ] }\n`);
    return file;
  };

  it('prints a readable quiz with its answer key', async () => {
    const out = await cli(['quiz', '--topic', 'volcano', '--grade', '5', '--config', configFile()]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('# Volcano quiz');
    expect(out.stdout).toMatch(/\* a\) Magma/);
    expect(out.stdout).toContain('quiz by up/gpt-fake, 1 attempt, quality passed');
    const sent = upstream.received.at(-1)!.body;
    expect(sent.messages[0].content).toContain('grade 5 learner');
  });

  it('prints the public JSON shape with --json', async () => {
    const out = await cli(['flashcards', '--topic', 'volcano', '--grade', '5', '--json', '--config', configFile()]);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ kind: 'flashcards', content: SAMPLES.flashcards, provider: 'up', attempts: 1 });
  });

  it('exits 2 with the kinds listed for an unknown kind, and for a bad grade', async () => {
    const bad = await cli(['poem', '--topic', 'volcano']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('knowledge_graph');
    const grade = await cli(['quiz', '--topic', 'volcano', '--grade', '15', '--config', configFile()]);
    expect(grade.code).toBe(2);
    expect(grade.stderr).toContain('persona.grade');
  });
});
