/**
 * No input makes Polymath answer 5xx, hang or drop the answer. A fixed seed generates a few
 * thousand bad requests against every route of a real server (a fake OpenAI upstream behind it so
 * the 2xx paths exist, the `library` provider for content), sent over real sockets: undici for
 * requests an HTTP client can send, raw `node:net` for broken framing. Every request must get an
 * answer within a deadline, with a status under 500, an OpenAI error body for every 4xx and a
 * valid answer for every 2xx; `/health` and a real chat must still work afterwards.
 * Then one test per bug this found.
 */
import OpenAI from 'openai';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../src/server/json-body.js';
import { headerValue, MAX_HEADER_VALUE } from '../src/server/headers.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { assertSchema } from './helpers/openapi.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';
import { prng, type Prng } from './helpers/prng.js';
import { rawExchange, type RawAnswer } from './helpers/raw-http.js';

const SEED = 0x9a_2026;
const CASES_PER_ROUTE = 250;
const DEADLINE_MS = 10_000;
const BODY_LIMIT = 128 * 1024;
const REQUEST_TIMEOUT_MS = 1_000;
const CONCURRENCY = 8;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Every route, with a body it serves. A route another branch adds is one more line here. */
interface Route {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: Record<string, unknown>;
  /** checks a 2xx answer to this route */
  valid(a: Answer): void;
}

const jsonOf = (a: Answer) => JSON.parse(a.text);
const isSse = (a: Answer) => String(a.headers['content-type']).startsWith('text/event-stream');
const schema = (name: string) => (a: Answer) => assertSchema(name, jsonOf(a));
const sseEvents = (a: Answer) => a.text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
const messages = [{ role: 'user', content: 'Say hi.' }];

const ROUTES: Route[] = [
  { name: 'chat', method: 'POST', path: '/v1/chat/completions', body: { model: 'default', messages, user: 'learner-1', metadata: { app: 'demo' } }, valid: schema('CreateChatCompletionResponse') },
  {
    name: 'chat stream',
    method: 'POST',
    path: '/v1/chat/completions',
    body: { model: 'up/gpt-fake', stream: true, messages },
    valid: (a) => {
      if (!isSse(a)) return assertSchema('CreateChatCompletionResponse', jsonOf(a)); // a body whose `stream` became false or null
      const events = sseEvents(a);
      expect(events.at(-1)).toBe('[DONE]');
      for (const e of events.slice(0, -1)) assertSchema('CreateChatCompletionStreamResponse', JSON.parse(e));
    },
  },
  { name: 'embeddings', method: 'POST', path: '/v1/embeddings', body: { model: 'default', input: ['volcano', 'river'] }, valid: schema('CreateEmbeddingResponse') },
  {
    name: 'content',
    method: 'POST',
    path: '/v1/content/flashcards',
    body: { topic: 'volcano', model: 'library', persona: { grade: 5 }, options: { count: 3 } },
    valid: (a) => expect(jsonOf(a)).toMatchObject({ kind: 'flashcards', content: expect.any(Object), quality: expect.any(Object) }),
  },
  {
    name: 'content stream',
    method: 'POST',
    path: '/v1/content/explanation',
    body: { topic: 'river', model: 'library', stream: true },
    valid: (a) =>
      isSse(a)
        ? expect(JSON.parse(sseEvents(a).at(-1)!)).toMatchObject({ type: expect.stringMatching(/^(result|error)$/) })
        : expect(jsonOf(a)).toMatchObject({ kind: 'explanation', content: expect.any(Object) }),
  },
  {
    name: 'batch',
    method: 'POST',
    path: '/v1/content/batch',
    body: { items: [{ kind: 'flashcards', topic: 'volcano', model: 'library', options: { count: 2 } }], concurrency: 1 },
    valid: (a) => {
      const body = jsonOf(a);
      expect(body.object).toBe('list');
      for (const item of body.data) if (item.status !== 200) assertSchema('ErrorResponse', { error: item.error });
    },
  },
  { name: 'admin', method: 'GET', path: '/v1/admin/providers', valid: (a) => expect(jsonOf(a).object).toBe('list') },
  { name: 'models', method: 'GET', path: '/v1/models', valid: schema('ListModelsResponse') },
  { name: 'model', method: 'GET', path: '/v1/models/default', valid: schema('Model') },
  { name: 'health', method: 'GET', path: '/health', valid: (a) => expect(jsonOf(a).status).toBe('ok') },
];

let upstream: FakeOpenAI;
let pm: TestPolymath;
let port: number;
let agent: Agent;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  pm = await startPolymath({
    server: { body_limit_bytes: BODY_LIMIT, request_timeout_ms: REQUEST_TIMEOUT_MS },
    providers: { up: { type: 'openai-compatible', base_url: upstream.url, default_model: 'gpt-fake', timeout_ms: 5_000 }, library: { type: 'library' } },
    routes: { default: { targets: [{ provider: 'up' }] } },
  });
  port = Number(new URL(pm.url).port);
  agent = new Agent({ connections: CONCURRENCY * 2, headersTimeout: DEADLINE_MS, bodyTimeout: DEADLINE_MS });
});
afterAll(async () => {
  await agent?.close();
  await pm?.close();
  await upstream?.close();
});

// ---- generating bad requests ----------------------------------------------------------------

interface BadRequest {
  label: string;
  route: Route;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = Array<string | number>;

/** Strings that have broken headers, parsers or length limits somewhere. */
const NASTY: string[] = [
  '',
  ' ',
  'é',
  'gpt-é',
  '日本語のモデル',
  '😀',
  '\u0000',
  'a\r\nX-Injected: 1',
  '\r\n\r\n',
  '\n',
  '\t',
  '\u007f',
  '\u0085',
  '\u2028',
  '\ud800',
  '\udfff',
  '\ufeff',
  '\ufffd',
  '%',
  '%00',
  '%E0%A4%A',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  'up/',
  '/',
  'up/\u0000x',
  'up/gpt-é',
  'library/é',
  'default\n',
  'x'.repeat(257),
  'é'.repeat(3_000),
  'a'.repeat(100_000),
];

const WEIRD_VALUES: Json[] = [null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, '', 'x', [], [null], {}, { a: 1 }, [[[]]], 'true', '1'];

/** Every path to a node of a JSON value, the root included. */
function pathsOf(value: Json, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...at, i])));
  else if (value !== null && typeof value === 'object') for (const k of Object.keys(value)) out.push(...pathsOf(value[k], [...at, k]));
  return out;
}

function objectPaths(value: Json): Path[] {
  return pathsOf(value).filter((p) => {
    const v = getAt(value, p);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  });
}

function getAt(value: Json, path: Path): Json {
  return path.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k], value);
}

function setAt(value: Json, path: Path, next: Json): Json {
  if (path.length === 0) return next;
  const copy = structuredClone(value) as Record<string | number, Json>;
  const parent = getAt(copy as Json, path.slice(0, -1)) as Record<string | number, Json>;
  parent[path.at(-1)!] = next;
  return copy as Json;
}

const MARK = '\u0001polymath-mark\u0001';
/** Serializes `value` with the JSON text `raw` in place of the node at `path` (for text JSON.stringify cannot make). */
function withRawAt(value: Json, path: Path, raw: string): string {
  return JSON.stringify(setAt(value, path, MARK)).replace(JSON.stringify(MARK), () => raw);
}
/** Serializes `value` with `"key": raw` added to the object at `path`. */
function withRawKey(value: Json, path: Path, key: string, raw: string): string {
  const obj = { ...(getAt(value, path) as Record<string, Json>), [MARK]: MARK };
  return JSON.stringify(setAt(value, path, obj)).replace(`${JSON.stringify(MARK)}:${JSON.stringify(MARK)}`, () => `${JSON.stringify(key)}:${raw}`);
}

function deepJson(r: Prng, depth: number): string {
  if (r.chance(0.5)) return '['.repeat(depth) + ']'.repeat(depth);
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

const BAD_UTF8 = [[0xff], [0xfe], [0xc3], [0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]];
const CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx', 'application/vnd.api+json', 'json', '*/*', 'application/json; charset=utf-16', 'APPLICATION/JSON'];
const METHODS = ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'POST'];
const PATH_TAILS = ['/x', '/', '//', '/..', '/%2e%2e', '/%', '/%zz', '/%E0%A4%A', '/%00', '/é', '/%C3%A9', '?a=%', '?a=%E0%A4%A&b', '?__proto__[x]=1', `/${'a'.repeat(600)}`, `?q=${'b'.repeat(6_000)}`];

/** Mutations of a route's valid body; each returns the body text (or bytes) and a label. */
const BODY_MUTATIONS: Array<(r: Prng, body: Json) => [string, string | Buffer]> = [
  (r, body) => {
    const depth = r.pick([MAX_JSON_DEPTH + 1, 1_000, 20_000, 60_000]);
    const p = r.pick(pathsOf(body));
    return [`nested ${depth} deep at ${p.join('.') || 'root'}`, withRawAt(body, p, deepJson(r, depth))];
  },
  (r, body) => {
    const p = r.pick(objectPaths(body));
    const depth = r.pick([MAX_JSON_DEPTH, 5_000]);
    return [`key nested ${depth} deep in ${p.join('.') || 'root'}`, withRawKey(body, p, 'deep', deepJson(r, depth))];
  },
  (r, body) => {
    const strings = pathsOf(body).filter((p) => typeof getAt(body, p) === 'string');
    const s = r.pick(NASTY);
    const p = strings.length && r.chance(0.7) ? r.pick(strings) : r.pick(pathsOf(body));
    return [`string ${JSON.stringify(s.slice(0, 12))}(${s.length}) at ${p.join('.') || 'root'}`, JSON.stringify(setAt(body, p, s))];
  },
  (r, body) => {
    // the fields that reach headers or routing: model, user, metadata keys and values
    const field = r.pick(['model', 'user', 'metadata', 'metadata-key']);
    const s = r.pick(NASTY);
    const obj = { ...(body as Record<string, Json>) };
    if (field === 'metadata') obj.metadata = { app: s };
    else if (field === 'metadata-key') obj.metadata = { [s]: 'x' };
    else obj[field] = s;
    return [`${field} = ${JSON.stringify(s.slice(0, 12))}(${s.length})`, JSON.stringify(obj)];
  },
  (r, body) => {
    const p = r.pick(pathsOf(body));
    const v = r.pick(WEIRD_VALUES);
    return [`${JSON.stringify(v)} at ${p.join('.') || 'root'}`, JSON.stringify(setAt(body, p, v))];
  },
  (r, body) => {
    const p = r.pick(objectPaths(body));
    const raw = r.pick(['{"polluted":true}', '{"constructor":{"prototype":{"x":1}}}', '1', 'null']);
    const key = r.pick(['__proto__', '\\u005f_proto__', 'constructor']);
    const text = key === 'constructor' ? withRawKey(body, p, key, '{"prototype":{"polluted":true}}') : withRawKey(body, p, MARK, raw).replace(JSON.stringify(MARK), `"${key}"`);
    return [`${key} key in ${p.join('.') || 'root'}`, text];
  },
  (r, body) => {
    const p = r.pick(objectPaths(body));
    const keys = Object.keys(getAt(body, p) as object);
    const key = keys.length ? r.pick(keys) : 'model';
    return [`duplicate key ${key} in ${p.join('.') || 'root'}`, withRawKey(body, p, key, JSON.stringify(r.pick(WEIRD_VALUES)))];
  },
  (r, body) => {
    const bytes = Buffer.from(JSON.stringify(body));
    const at = r.int(0, bytes.length);
    const bad = Buffer.from(r.pick(BAD_UTF8));
    return [`invalid UTF-8 ${bad.toString('hex')} at byte ${at}`, Buffer.concat([bytes.subarray(0, at), bad, bytes.subarray(at)])];
  },
  (r, body) => {
    const text = JSON.stringify(body);
    const at = r.int(0, text.length - 1);
    const junk = r.pick(['', '}', ']', ',', '"', '\\', 'garbage', '\u0000', '{"a":1}', 'NaN', '/*c*/']);
    return [`cut at ${at} + ${JSON.stringify(junk)}`, text.slice(0, at) + junk];
  },
  (r) => {
    const text = r.pick(['', ' ', '\n', 'null', '[]', '"text"', '0', '1e999', 'true', '{}', '[{}]', '\ufeff{}', '{"":""}']);
    return [`body ${JSON.stringify(text)}`, text];
  },
];

function generate(seed: number): BadRequest[] {
  const r = prng(seed);
  const out: BadRequest[] = [];
  const json = { 'content-type': 'application/json' };
  for (const route of ROUTES) {
    for (let i = 0; i < CASES_PER_ROUTE; i++) {
      const kind = r.next();
      const base = { route, method: route.method, path: route.path, headers: { ...json } };
      if (route.body && kind < 0.7) {
        const [label, body] = r.pick(BODY_MUTATIONS)(r, route.body as Json);
        out.push({ ...base, label: `${route.name}: ${label}`, body });
      } else if (kind < 0.78) {
        const ct = r.pick(CONTENT_TYPES);
        out.push({ ...base, label: `${route.name}: content-type ${ct}`, headers: { 'content-type': ct }, body: JSON.stringify(route.body ?? {}) });
      } else if (kind < 0.86) {
        const method = r.pick(METHODS.filter((m) => m !== route.method));
        const body = method === 'GET' || method === 'HEAD' ? undefined : JSON.stringify(route.body ?? {});
        out.push({ ...base, label: `${route.name}: ${method}`, method, body });
      } else if (kind < 0.93) {
        const tail = r.pick(PATH_TAILS);
        out.push({ ...base, label: `${route.name}: path ${route.path}${tail.slice(0, 20)}`, path: route.path + tail, body: route.body && JSON.stringify(route.body) });
      } else {
        // headers undici lets through: odd request ids and x-polymath-* values, long but legal ones
        const value = r.pick(['é', 'ÿ'.repeat(100), 'a'.repeat(8_000), '../..', '{"a":1}', ' spaced ', '\t', 'x'.repeat(129)]);
        const name = r.pick(['x-request-id', 'x-polymath-tier', 'authorization', 'accept', 'content-encoding', 'accept-encoding']);
        out.push({ ...base, label: `${route.name}: header ${name}=${value.slice(0, 10)}(${value.length})`, headers: { ...json, [name]: value }, body: route.body && JSON.stringify(route.body) });
      }
    }
  }
  return out;
}

// ---- sending and checking ---------------------------------------------------------------------

async function send(req: BadRequest): Promise<Answer> {
  const res = await request(`${pm.url}${req.path}`, {
    method: req.method as 'POST',
    headers: req.headers,
    body: req.body,
    dispatcher: agent,
    signal: AbortSignal.timeout(DEADLINE_MS),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** Returns what is wrong with an answer, or undefined. */
function problemWith(req: Pick<BadRequest, 'route' | 'method' | 'path'>, a: { status?: number; text: string; headers: Record<string, unknown> }): string | undefined {
  if (a.status === undefined) return 'no answer';
  if (a.status >= 500) return `status ${a.status}: ${a.text.slice(0, 200)}`;
  try {
    if (a.status >= 400) {
      if (req.method === 'HEAD') return undefined;
      expect(String(a.headers['content-type'])).toMatch(/^application\/json/);
      assertSchema('ErrorResponse', JSON.parse(a.text));
    } else if (a.status >= 200 && a.status < 300 && req.method === req.route.method && req.path === req.route.path) {
      req.route.valid(a as Answer);
    }
  } catch (err) {
    return `status ${a.status}: ${(err as Error).message.slice(0, 300)} — ${a.text.slice(0, 200)}`;
  }
  return undefined;
}

async function healthy(): Promise<void> {
  const res = await request(`${pm.url}/health`, { dispatcher: agent });
  expect(res.statusCode).toBe(200);
  expect(((await res.body.json()) as { status: string }).status).toBe('ok');
  const chat = await pm.client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'still there?' }] });
  assertSchema('CreateChatCompletionResponse', chat);
}

describe('a few thousand seeded bad requests', () => {
  it(`each gets an answer in time, under 500, in OpenAI error JSON when 4xx (seed ${SEED})`, async () => {
    const cases = generate(SEED);
    expect(cases.length).toBeGreaterThanOrEqual(ROUTES.length * CASES_PER_ROUTE);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const req = cases[next++];
        let problem: string | undefined;
        try {
          const a = await send(req);
          statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
          problem = problemWith(req, a);
        } catch (err) {
          problem = `no answer: ${(err as Error & { code?: string }).code ?? (err as Error).message}`;
        }
        if (problem) failures.push(`${req.label} → ${problem}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(failures.slice(0, 15), `${failures.length} of ${cases.length} failed`).toEqual([]);
    // the generator reaches both the refusals and the served paths
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    await healthy();
  }, 120_000);

  it('broken HTTP framing gets an answer in OpenAI error JSON, never a dropped connection', async () => {
    const r = prng(SEED + 1);
    const h = 'Host: x\r\nContent-Type: application/json\r\n';
    const chat = '/v1/chat/completions';
    const body = JSON.stringify(ROUTES[0].body);
    const fixed: Array<[string, Array<string | Buffer>]> = [
      ['no Host header', ['GET /health HTTP/1.1\r\n\r\n']],
      ['Content-Length: abc', [`POST ${chat} HTTP/1.1\r\n${h}Content-Length: abc\r\n\r\n{}`]],
      ['Content-Length: -1', [`POST ${chat} HTTP/1.1\r\n${h}Content-Length: -1\r\n\r\n{}`]],
      ['two Content-Lengths', [`POST ${chat} HTTP/1.1\r\n${h}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`]],
      ['Content-Length with chunked', [`POST ${chat} HTTP/1.1\r\n${h}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}`]],
      ['bad chunk size', [`POST ${chat} HTTP/1.1\r\n${h}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`]],
      ['chunk longer than its size', [`POST ${chat} HTTP/1.1\r\n${h}Transfer-Encoding: chunked\r\n\r\n1\r\n{}\r\n0\r\n\r\n`]],
      ['Transfer-Encoding: gzip', [`POST ${chat} HTTP/1.1\r\n${h}Transfer-Encoding: gzip\r\n\r\n{}`]],
      ['garbage request line', ['GARBAGE\r\n\r\n']],
      ['HTTP/9.9', ['GET /health HTTP/9.9\r\nHost: x\r\n\r\n']],
      ['unknown method', ['FOO /health HTTP/1.1\r\nHost: x\r\n\r\n']],
      ['CONNECT', ['CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n']],
      ['OPTIONS *', ['OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n']],
      ['a byte 0xff in the path', [Buffer.concat([Buffer.from('GET /v1/mod'), Buffer.from([0xff]), Buffer.from('els HTTP/1.1\r\nHost: x\r\n\r\n')])]],
      ['a NUL in a header', ['GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n']],
      ['a header without a colon', ['GET /health HTTP/1.1\r\nHost: x\r\nXA\r\n\r\n']],
      ['a folded header', ['GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n']],
      ['Latin-1 bytes in x-request-id', [Buffer.concat([Buffer.from('GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: a'), Buffer.from([0xe9, 0xff]), Buffer.from('\r\n\r\n')])]],
      ['headers over 16 KiB', [`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`]],
      ['a bad Expect', [`POST ${chat} HTTP/1.1\r\n${h}Expect: nonsense\r\nContent-Length: 2\r\n\r\n{}`]],
      ['Expect: 100-continue over the limit', [`POST ${chat} HTTP/1.1\r\n${h}Expect: 100-continue\r\nContent-Length: ${BODY_LIMIT * 4}\r\n\r\n`]],
      ['absolute-form URL', [`POST http://x${chat} HTTP/1.1\r\n${h}Content-Length: ${body.length}\r\n\r\n${body}`]],
      ['HTTP/1.0 POST without a length', [`POST ${chat} HTTP/1.0\r\nContent-Type: application/json\r\n\r\n${body}`]],
      ['a body that stops short of its Content-Length', [`POST ${chat} HTTP/1.1\r\n${h}Content-Length: ${body.length + 50}\r\n\r\n${body}`]],
      ['a chunked body with no last chunk', [`POST ${chat} HTTP/1.1\r\n${h}Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n`]],
      ['headers that never end', [`POST ${chat} HTTP/1.1\r\n${h}`]],
      ['a pipelined bad request after a good one', [`GET /health HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n`]],
    ];
    // seeded variations: a valid request split at a random byte into two pieces, a random byte flipped in its head
    const valid = `POST ${chat} HTTP/1.1\r\n${h}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    for (let i = 0; i < 40; i++) {
      const at = r.int(1, valid.length - 1);
      if (i % 2 === 0) fixed.push([`split at ${at}`, [valid.slice(0, at), valid.slice(at)]]);
      else {
        const bytes = Buffer.from(valid);
        const flip = r.int(0, valid.indexOf('\r\n\r\n') + 3);
        bytes[flip] = r.int(0, 255);
        fixed.push([`byte ${flip} set to ${bytes[flip]}`, [bytes]]);
      }
    }
    const answers = await Promise.all(fixed.map(([, pieces]) => rawExchange(port, pieces, { deadlineMs: DEADLINE_MS, gapMs: 5 })));
    const failures: string[] = [];
    answers.forEach((a: RawAnswer, i) => {
      if (a.timedOut || a.errorBeforeAnswer) failures.push(`${fixed[i][0]} → ${a.timedOut ? 'no answer in time' : a.error}`);
      else {
        const problem = problemWith({ route: ROUTES[0], method: 'RAW', path: '' }, { status: a.status, text: a.body, headers: a.headers });
        if (problem) failures.push(`${fixed[i][0]} → ${problem}`);
      }
    });
    expect(failures).toEqual([]);
    await healthy();
  }, 60_000);
});

// ---- one behaviour each ---------------------------------------------------------------------

async function post(path: string, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Answer & { body: any }> {
  const a = await send({ label: path, route: ROUTES[0], method: 'POST', path, headers, body });
  return { ...a, body: String(a.headers['content-type']).startsWith('application/json') ? JSON.parse(a.text) : undefined };
}

function expectError(a: { status: number; body: any }, status: number, code: string) {
  expect(a.status).toBe(status);
  assertSchema('ErrorResponse', a.body);
  expect(a.body.error.code).toBe(code);
}

const chatBody = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'up/gpt-fake', messages, ...extra });

describe('the bugs the seeded requests found, one each', () => {
  it('JSON nested thousands of levels deep is a 400 on every JSON route, not a 502 from a stack overflow', async () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    for (const route of ROUTES.filter((x) => x.body)) {
      const a = await post(route.path, withRawKey(route.body as Json, [], 'x', deep));
      expectError(a, 400, 'json_too_deep');
    }
  });

  it('nesting up to the depth limit is still served', async () => {
    const nested = '['.repeat(MAX_JSON_DEPTH - 1) + ']'.repeat(MAX_JSON_DEPTH - 1);
    const a = await post('/v1/chat/completions', chatBody().replace(/}$/, `,"extra":${nested}}`));
    expect(a.status).toBe(200);
    expect(JSON.stringify(upstream.received.at(-1)!.body.extra).length).toBe(nested.length);
  });

  it('the depth scan ignores brackets inside strings and escaped quotes', () => {
    expect(nestsDeeperThan(JSON.stringify({ s: '['.repeat(500), t: '\\"[[[' }), 3)).toBe(false);
    expect(nestsDeeperThan('{"a":"\\\\"' + ',"b":' + '['.repeat(5) + ']'.repeat(5) + '}', 4)).toBe(true);
    expect(nestsDeeperThan('[[[[]]]]', 4)).toBe(false);
    expect(nestsDeeperThan('[[[[[]]]]]', 4)).toBe(true);
  });

  it('a non-ASCII model name reaches the x-polymath-model header percent-encoded, not as a 500', async () => {
    const a = await post('/v1/chat/completions', chatBody({ model: 'up/gpt-é' }));
    expect(a.status).toBe(200);
    expect(a.headers['x-polymath-model']).toBe('gpt-%C3%A9');
    expect(decodeURIComponent(String(a.headers['x-polymath-model']))).toBe('gpt-é');
  });

  it('a streamed chat for a non-ASCII model name is answered, not left hanging', async () => {
    const a = await post('/v1/chat/completions', chatBody({ model: 'up/模型', stream: true }));
    expect(a.status).toBe(200);
    expect(a.headers['x-polymath-model']).toBe(encodeURIComponent('模型'));
    expect(sseEvents(a).at(-1)).toBe('[DONE]');
  });

  it('control characters, CR/LF or more than 256 characters in a model name are a 400 on chat, embeddings and content', async () => {
    for (const model of ['up/a\r\nX-Injected: 1', 'up/\u0000', 'up/\u0085', `up/${'m'.repeat(300)}`]) {
      expectError(await post('/v1/chat/completions', chatBody({ model })), 400, 'invalid_value');
      expectError(await post('/v1/embeddings', JSON.stringify({ model, input: 'x' })), 400, 'invalid_value');
      expectError(await post('/v1/content/quiz', JSON.stringify({ model, topic: 'volcano' })), 400, 'invalid_value');
    }
  });

  it('a user longer than 256 characters or metadata outside OpenAI limits is a 400 naming the field', async () => {
    const user = await post('/v1/chat/completions', chatBody({ user: 'u'.repeat(257) }));
    expectError(user, 400, 'invalid_value');
    expect(user.body.error.param).toBe('user');
    const meta = await post('/v1/chat/completions', chatBody({ metadata: { a: 'v'.repeat(513) } }));
    expectError(meta, 400, 'invalid_value');
    expect(meta.body.error.param).toMatch(/^metadata/);
  });

  it('headerValue sends short printable ASCII as is and percent-encodes the rest within its bound', () => {
    expect(headerValue('gpt-4o-mini')).toBe('gpt-4o-mini');
    expect(headerValue('a%b')).toBe('a%25b');
    expect(headerValue('a\r\nb')).toBe('a%0D%0Ab');
    expect(headerValue('\ud800x')).toBe('%EF%BF%BDx');
    const long = headerValue('é'.repeat(1_000));
    expect(long.length).toBeLessThanOrEqual(MAX_HEADER_VALUE);
    expect(decodeURIComponent(long)).toMatch(/^é+$/);
  });

  it('invalid UTF-8 anywhere in the body is a 400 that says so, streamed or not', async () => {
    const text = Buffer.from(chatBody({ stream: true }));
    for (const at of [0, 10, 16, 30, text.length - 1, text.length]) {
      const bytes = Buffer.concat([text.subarray(0, at), Buffer.from([0xff]), text.subarray(at)]);
      const a = await post('/v1/chat/completions', bytes);
      expectError(a, 400, 'invalid_encoding');
      expect(a.body.error.message).toMatch(/UTF-8/);
    }
  });

  it('a body over the limit gets its 413 while the client is still sending', async () => {
    const total = BODY_LIMIT * 40;
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`;
    const pieces = [head, ...Array.from({ length: 40 }, () => Buffer.alloc(BODY_LIMIT, 0x20))];
    const a = await rawExchange(port, pieces, { deadlineMs: DEADLINE_MS, sendAll: true });
    expect(a.error).toBeUndefined();
    expect(a.status).toBe(413);
    assertSchema('ErrorResponse', JSON.parse(a.body));
  });

  it('an HTTP client sending a body over the limit reads the 413, not EPIPE', async () => {
    const a = await post('/v1/embeddings', JSON.stringify({ model: 'default', input: 'x'.repeat(BODY_LIMIT * 8) }));
    expectError(a, 413, 'payload_too_large');
  });

  it('a chunked body over the limit gets its 413 too', async () => {
    const chunk = `${(64 * 1024).toString(16)}\r\n${' '.repeat(64 * 1024)}\r\n`;
    const head = 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    const a = await rawExchange(port, [head, ...Array.from({ length: 40 }, () => chunk), '0\r\n\r\n'], { deadlineMs: DEADLINE_MS, sendAll: true });
    expect(a.error).toBeUndefined();
    expect(a.status).toBe(413);
  });

  it('__proto__ and constructor.prototype keys are a 400 naming the key', async () => {
    const proto = await post('/v1/chat/completions', '{"model":"default","messages":[{"role":"user","content":"hi","__proto__":{"admin":true}}]}');
    expectError(proto, 400, 'forbidden_key');
    expect(proto.body.error.param).toBe('messages.0.__proto__');
    const escaped = await post('/v1/chat/completions', '{"model":"default","\\u005f_proto__":{},"messages":[]}');
    expectError(escaped, 400, 'forbidden_key');
    expectError(await post('/v1/content/quiz', '{"topic":"volcano","constructor":{"prototype":{"x":1}}}'), 400, 'forbidden_key');
    // a property named "constructor" in a JSON schema is not poisoning
    const schemaBody = { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { constructor: { type: 'string' } } } } };
    expect((await post('/v1/chat/completions', chatBody({ response_format: schemaBody }))).status).toBe(200);
  });

  it('a duplicate key is read as its last value, as JSON.parse and OpenAI do', async () => {
    const a = await post('/v1/chat/completions', `{"model":"nope","model":"up/gpt-fake","messages":${JSON.stringify(messages)}}`);
    expect(a.status).toBe(200);
    expect(a.headers['x-polymath-model']).toBe('gpt-fake');
  });

  it('a body that stops before its Content-Length is a 408 in OpenAI JSON after the request timeout', async () => {
    const a = await rawExchange(port, [`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"model"`], { deadlineMs: DEADLINE_MS });
    expect(a.status).toBe(408);
    expect(JSON.parse(a.body).error.code).toBe('request_timeout');
  });

  it('a bad Content-Length and broken chunked framing are a 400 in OpenAI JSON from Node’s parser', async () => {
    const bad = await rawExchange(port, ['POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n{}']);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe('bad_content_length');
    const chunked = await rawExchange(port, ['POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']);
    expect(chunked.status).toBe(400);
    expect(JSON.parse(chunked.body).error.code).toBe('bad_chunked_body');
  });

  it('a request without a Host header, a bad Expect and CONNECT are answered in OpenAI JSON, not by Node’s empty answers', async () => {
    const noHost = await rawExchange(port, ['GET /health HTTP/1.1\r\n\r\n']);
    expect(noHost.status).toBe(400);
    expect(JSON.parse(noHost.body).error.code).toBe('missing_host');
    const expectation = await rawExchange(port, ['POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: nonsense\r\nContent-Length: 2\r\n\r\n{}']);
    expect(expectation.status).toBe(417);
    assertSchema('ErrorResponse', JSON.parse(expectation.body));
    const connect = await rawExchange(port, ['CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n']);
    expect(connect.status).toBe(405);
    assertSchema('ErrorResponse', JSON.parse(connect.body));
  });

  it('wrong methods and unknown paths are a 404 in OpenAI JSON on every route', async () => {
    for (const route of ROUTES) {
      const wrong = await send({ label: '', route, method: route.method === 'GET' ? 'DELETE' : 'GET', path: route.path, headers: {} });
      expect(wrong.status).toBe(404);
      assertSchema('ErrorResponse', JSON.parse(wrong.text));
      const unknown = await send({ label: '', route, method: route.method, path: `${route.path}/nothing/here`, headers: { 'content-type': 'application/json' }, body: route.body && JSON.stringify(route.body) });
      expect(unknown.status).toBe(404);
      assertSchema('ErrorResponse', JSON.parse(unknown.text));
    }
  });

  it('the official client still gets answers after all of the above', async () => {
    const client = new OpenAI({ baseURL: `${pm.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toContain('default');
    await healthy();
  });
});
