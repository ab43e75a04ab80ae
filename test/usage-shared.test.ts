/**
 * Two `polymath serve` processes sharing this machine's Redis (state) and Postgres (store) hold
 * one budget and one rate limit between them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completion, json, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { PG_URL, postgresAvailable, REDIS_URL, redisAvailable } from './helpers/services.js';

const ADMIN = 'admin-key-for-shared-tests-012345';
const PRICE = { input: 1000, output: 2000 };
const ONE = (9 * PRICE.input + 3 * PRICE.output) / 1e6;
const messages = [{ role: 'user', content: 'Hello there, how are you today?' }];
const suffix = `${process.pid}_${randomBytes(4).toString('hex')}`;
const schema = `polymath_shared_${suffix}`;
const prefix = `polymath-test:${suffix}:`;

interface Instance {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startInstance(config: string): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'src', 'cli.ts'), 'serve', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    if (out.length < 1_000_000) out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    if (out.length < 1_000_000) out += c.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (const end = Date.now() + 60_000; !out.includes('polymath listening on'); ) {
    if (Date.now() > end || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`polymath serve did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = JSON.parse(out.split('\n').find((l) => l.includes('polymath listening on'))!).url as string;
  return {
    url,
    child,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function post(url: string, path: string, key: string, body: unknown) {
  const res = await request(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  const text = await res.body.text();
  return { status: res.statusCode, body: JSON.parse(text) };
}

describe.skipIf(!postgresAvailable || !redisAvailable)('two instances on one Redis and one Postgres', () => {
  let upstream: FakeOpenAI;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
    upstream = await startFakeOpenAI((req, res) => {
      setTimeout(() => json(res, 200, completion(req.body.model as string, 'ok')), 30);
    });
    const pgUrl = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const dir = mkdtempSync(join(tmpdir(), 'polymath-shared-'));
    const config = join(dir, 'polymath.yaml');
    writeFileSync(
      config,
      [
        'server: { host: 127.0.0.1, port: 0 }',
        `store: { url: "${pgUrl}", flush_ms: 20 }`,
        `state: { url: "${REDIS_URL}", prefix: "${prefix}" }`,
        `auth: { admin_key: "${ADMIN}", key_cache_ms: 1000 }`,
        'logging: { level: info }',
        `providers: { up: { type: openai-compatible, base_url: "${upstream.url}", default_model: gpt-fake } }`,
        'routes: { default: { targets: [ { provider: up } ] } }',
        `pricing: { "up/*": { input: ${PRICE.input}, output: ${PRICE.output} } }`,
      ].join('\n'),
    );
    // One after the other: the second finds the migrations done.
    a = await startInstance(config);
    b = await startInstance(config);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await upstream?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }, 30_000);

  it('holds one budget: 100 parallel requests split over both instances spend no more than it', async () => {
    const budget = 10 * ONE;
    const made = await post(a.url, '/v1/admin/keys', ADMIN, { name: 'shared-budget', budget: `${budget}/day` });
    expect(made.status).toBe(201);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => post(i % 2 ? b.url : a.url, '/v1/chat/completions', made.body.key, { model: 'default', messages, max_tokens: 3 })));
    const ok = results.filter((r) => r.status === 200).length;
    expect(ok).toBeGreaterThanOrEqual(1);
    // Each instance alone would let about 8 through (16 in all): together they stay within the one budget.
    expect(ok * ONE).toBeLessThanOrEqual(budget + 1e-12);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body.error.code).toBe('insufficient_quota');

    // Both instances wrote their records to the one store: the usage API of either sees them all.
    await new Promise((r) => setTimeout(r, 300));
    const usage = await request(`${b.url}/v1/usage?group_by=key`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const row = ((await usage.body.json()) as { data: Array<{ group: string; requests: number; cost_usd: number }> }).data.find((r) => r.group === made.body.id)!;
    expect(row.requests).toBe(100);
    expect(row.cost_usd).toBeCloseTo(ok * ONE, 9);
  }, 60_000);

  it('holds one rate limit: requests per minute count on both instances', async () => {
    const made = await post(a.url, '/v1/admin/keys', ADMIN, { name: 'shared-rpm', rpm: 4 });
    const statuses: number[] = [];
    for (const url of [a.url, b.url, a.url, b.url, a.url, b.url]) statuses.push((await post(url, '/v1/chat/completions', made.body.key, { model: 'default', messages })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  }, 60_000);
});
