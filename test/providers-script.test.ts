import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APIUserAbortError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import type { ScriptProvider } from '../src/providers/script.js';
import { assertSchema } from './helpers/openapi.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/script/', import.meta.url));
const node = (file: string, ...args: string[]) => [process.execPath, join(FIXTURES, file), ...args];
const SECRET = 'sk-live-very-secret-token-123456';

let pm: TestPolymath;
let tmp: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'polymath-script-'));
  pm = await startPolymath({
    providers: {
      mine: { type: 'script', command: node('once.mjs'), env: { FIXTURE_VAR: 'from-config' }, cwd: tmp },
      full: { type: 'script', command: node('once.mjs', '--full') },
      sleepy: { type: 'script', command: node('sleep.mjs'), timeout_ms: 500, env: { PIDFILE: join(tmp, 'timeout.pids') } },
      patient: { type: 'script', command: node('sleep.mjs'), timeout_ms: 20_000, env: { PIDFILE: join(tmp, 'abort.pids') } },
      broken: { type: 'script', command: node('fail.mjs'), env: { MY_SECRET_TOKEN: SECRET } },
      chatty: { type: 'script', command: node('invalid.mjs') },
      flood: { type: 'script', command: node('big.mjs'), max_output_bytes: 1024 * 1024 },
      ghost: { type: 'script', command: ['polymath-no-such-program-xyz'] },
      pooled: { type: 'script', command: node('jsonl.mjs'), persistent: true, pool_size: 1 },
      tight: { type: 'script', command: node('jsonl.mjs'), persistent: true, pool_size: 1, max_queue: 1 },
      hasty: { type: 'script', command: node('jsonl.mjs'), persistent: true, timeout_ms: 2000 },
      narrow: { type: 'script', command: node('jsonl.mjs'), persistent: true, max_output_bytes: 16 * 1024 },
    },
    routes: {
      fb: { targets: [{ provider: 'broken' }, { provider: 'mine' }] },
    },
  });
});

afterAll(async () => {
  await pm?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const ask = (model: string, content: string) => pm.client.chat.completions.create({ model, messages: [{ role: 'user', content }] });

/** POSTs with fetch so the raw error body and status can be checked. */
async function post(model: string, content: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${pm.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });
  return { status: res.status, body: await res.json() };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function readPids(file: string): Promise<number[]> {
  await eventually(() => existsSync(file) && readFileSync(file, 'utf8').length > 0);
  return JSON.parse(readFileSync(file, 'utf8')) as number[];
}

describe('script provider, one-shot', () => {
  it('sends {id, model, input, messages, params, intent} on stdin and answers {content} as a chat.completion', async () => {
    const res = await pm.client.chat.completions.create({
      model: 'mine/default',
      temperature: 0.3,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Tell me about volcanoes' },
      ],
    });
    assertSchema('CreateChatCompletionResponse', res);
    const seen = JSON.parse(res.choices[0].message.content ?? '');
    expect(seen).toEqual({
      echo: 'Tell me about volcanoes',
      model: 'default',
      temperature: 0.3,
      intent: null,
      fixture_var: 'from-config',
      cwd: tmp,
      keys: ['id', 'input', 'intent', 'messages', 'model', 'params'],
    });
    expect(res.model).toBe('default');
    expect(res.choices[0].finish_reason).toBe('stop');
    // estimated as ceil(characters / 4)
    expect(res.usage).toEqual({
      prompt_tokens: Math.ceil('You are terse.'.length / 4) + Math.ceil('Tell me about volcanoes'.length / 4),
      completion_tokens: Math.ceil(res.choices[0].message.content!.length / 4),
      total_tokens: expect.any(Number),
    });
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
  });

  it('passes a content intent beside the messages', async () => {
    const provider = pm.runtime.providers.get('mine')!;
    const { body } = await provider.chat(
      { model: 'mine/default', messages: [{ role: 'user', content: 'Make a quiz about tides' }] },
      { signal: new AbortController().signal, model: 'default', requestId: 'req-1', intent: { kind: 'quiz', topic: 'tides' } },
    );
    assertSchema('CreateChatCompletionResponse', body);
    expect(JSON.parse(body.choices[0].message.content!)).toMatchObject({ echo: 'Make a quiz about tides', intent: 'quiz' });
  });

  it('is reachable by its provider name alone, with default_model "default"', async () => {
    const res = await ask('mine', 'hi');
    expect(JSON.parse(res.choices[0].message.content!).model).toBe('default');
  });

  it('keeps a full OpenAI chat.completion the script wrote, its usage included', async () => {
    const res = await ask('full/default', 'ping');
    assertSchema('CreateChatCompletionResponse', res);
    expect(res.choices[0].message.content).toBe('full: ping');
    expect(res.usage).toEqual({ prompt_tokens: 11, completion_tokens: 22, total_tokens: 33 });
    expect(res.model).toBe('my-script-model');
  });

  it('streams the answer as OpenAI chunks, usage last when asked for', async () => {
    const stream = await pm.client.chat.completions.create({
      model: 'full/default',
      messages: [{ role: 'user', content: 'stream me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const finishes: string[] = [];
    let usage: unknown;
    for await (const chunk of stream) {
      assertSchema('CreateChatCompletionStreamResponse', chunk);
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('full: stream me');
    expect(finishes).toEqual(['stop']);
    expect(usage).toEqual({ prompt_tokens: 11, completion_tokens: 22, total_tokens: 33 });
  });

  it('answers 504 upstream_timeout past timeout_ms and kills the script with what it started', async () => {
    const { status, body } = await post('sleepy/default', 'hello');
    expect(status).toBe(504);
    assertSchema('ErrorResponse', body);
    expect(body.error.code).toBe('upstream_timeout');
    expect(body.error.message).toMatch(/sleepy: the script did not answer within 500 ms/);
    const pids = await readPids(join(tmp, 'timeout.pids'));
    expect(pids).toHaveLength(2);
    await eventually(() => pids.every((pid) => !alive(pid)));
  });

  it('kills the script and what it started when the client goes away', async () => {
    const controller = new AbortController();
    const pending = pm.client.chat.completions
      .create({ model: 'patient/default', messages: [{ role: 'user', content: 'x' }] }, { signal: controller.signal })
      .catch((err: Error) => err);
    const pids = await readPids(join(tmp, 'abort.pids'));
    expect(pids.every(alive)).toBe(true);
    controller.abort();
    expect(await pending).toBeInstanceOf(APIUserAbortError);
    await eventually(() => pids.every((pid) => !alive(pid)));
  });

  it('answers 502 with the exit code and a bounded stderr tail, the secret masked', async () => {
    const { status, body } = await post('broken/default', 'hello');
    expect(status).toBe(502);
    assertSchema('ErrorResponse', body);
    expect(body.error.code).toBe('script_failed');
    expect(body.error.message).toMatch(/^broken: the script exited with code 1 \(stderr: \.\.\./);
    expect(body.error.message).toContain('Traceback: model file missing');
    expect(body.error.message).toContain('connecting with key ***');
    expect(body.error.message).not.toContain(SECRET);
    expect(body.error.message).not.toContain('log line 0\n');
    expect(body.error.message.length).toBeLessThan(1200);
  });

  it('answers 502 upstream_invalid when the script prints something that is not JSON', async () => {
    const { status, body } = await post('chatty/default', 'hello');
    expect(status).toBe(502);
    assertSchema('ErrorResponse', body);
    expect(body.error.code).toBe('upstream_invalid');
    expect(body.error.message).toBe('chatty did not answer with JSON: Sure! Here is your lesson about volcanoes.');
  });

  it('stops a script that writes more than max_output_bytes', async () => {
    const { status, body } = await post('flood/default', 'hello');
    expect(status).toBe(502);
    assertSchema('ErrorResponse', body);
    expect(body.error.code).toBe('script_output_too_large');
    expect(body.error.message).toContain('max_output_bytes (1048576)');
  });

  it('answers 502 naming the program when it cannot be started', async () => {
    const { status, body } = await post('ghost/default', 'hello');
    expect(status).toBe(502);
    assertSchema('ErrorResponse', body);
    expect(body.error.message).toMatch(/ghost: cannot start "polymath-no-such-program-xyz": not found/);
  });

  it('falls back to the next target of a route when the script fails', async () => {
    const { data, response } = await pm.client.chat.completions
      .create({ model: 'fb', messages: [{ role: 'user', content: 'fallback please' }] })
      .withResponse();
    assertSchema('CreateChatCompletionResponse', data);
    expect(JSON.parse(data.choices[0].message.content!).echo).toBe('fallback please');
    expect(response.headers.get('x-polymath-provider')).toBe('mine');
    expect(response.headers.get('x-polymath-attempts')).toBe('2');
  });

  it('falls back for a stream too', async () => {
    const stream = await pm.client.chat.completions.create({ model: 'fb', messages: [{ role: 'user', content: 'streamed fallback' }], stream: true });
    let text = '';
    for await (const chunk of stream) {
      assertSchema('CreateChatCompletionStreamResponse', chunk);
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(JSON.parse(text).echo).toBe('streamed fallback');
  });
});

describe('script provider, persistent (JSON lines)', () => {
  const pool = (id: string) => pm.runtime.providers.get(id) as ScriptProvider;

  it('starts its pool at start-up and serves every call from the same process', async () => {
    const [pid] = pool('pooled').pids();
    expect(pid).toBeGreaterThan(0);
    const a = await ask('pooled/default', 'one');
    const b = await ask('pooled/default', 'two');
    assertSchema('CreateChatCompletionResponse', a);
    const first = /^#(\d+) pid (\d+): one$/.exec(a.choices[0].message.content!);
    const second = /^#(\d+) pid (\d+): two$/.exec(b.choices[0].message.content!);
    expect(first?.[2]).toBe(String(pid));
    expect(second?.[2]).toBe(String(pid));
    expect(Number(second?.[1])).toBe(Number(first?.[1]) + 1);
  });

  it('replaces a worker that crashed, reporting its exit and stderr', async () => {
    const before = await ask('pooled/default', 'before');
    const oldPid = /pid (\d+)/.exec(before.choices[0].message.content!)![1];
    const { status, body } = await post('pooled/default', 'crash');
    expect(status).toBe(502);
    assertSchema('ErrorResponse', body);
    expect(body.error.message).toBe('pooled: the script exited with code 3 (stderr: worker crashing on purpose)');
    const after = await ask('pooled/default', 'after');
    expect(after.choices[0].message.content).toMatch(/^#1 pid \d+: after$/);
    expect(after.choices[0].message.content).not.toContain(`pid ${oldPid}:`);
  });

  it('queues calls beyond the pool and answers 503 queue_full past max_queue', async () => {
    const results = await Promise.all([post('tight/default', 'sleep:300'), post('tight/default', 'sleep:300'), post('tight/default', 'sleep:300')]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 503]);
    const full = results.find((r) => r.status === 503)!;
    assertSchema('ErrorResponse', full.body);
    expect(full.body.error.code).toBe('queue_full');
    const served = results.filter((r) => r.status === 200).map((r) => Number(/^#(\d+)/.exec(r.body.choices[0].message.content)![1]));
    expect(served.sort()).toEqual([1, 2]);
  });

  it('kills a worker that misses the deadline and serves the next call from a fresh one', async () => {
    const { status, body } = await post('hasty/default', 'sleep:10000');
    expect(status).toBe(504);
    expect(body.error.code).toBe('upstream_timeout');
    const next = await post('hasty/default', 'quick');
    expect(next.status).toBe(200);
    expect(next.body.choices[0].message.content).toMatch(/^#1 pid \d+: quick$/);
  });

  it('rejects an answer line longer than max_output_bytes', async () => {
    const { status, body } = await post('narrow/default', 'long');
    expect(status).toBe(502);
    expect(body.error.code).toBe('script_output_too_large');
    const next = await post('narrow/default', 'short');
    expect(next.body.choices[0].message.content).toMatch(/^#1 pid \d+: short$/);
  });
});

describe('script provider config', () => {
  it('explains a command given as one string', () => {
    expect(() => parseConfig({ providers: { mine: { type: 'script', command: 'python3 ./custom/generate.py' } } })).toThrow(
      /providers\.mine\.command: command is a list: the program, then its arguments/,
    );
  });

  it('rejects an empty command', () => {
    expect(() => parseConfig({ providers: { mine: { type: 'script', command: [] } } })).toThrow(/providers\.mine\.command: command needs at least the program/);
  });
});
