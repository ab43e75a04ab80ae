/** API keys: the CLI and the admin API make, list and revoke them; auth applies them to every /v1/* route. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { assertSchema } from './helpers/openapi.js';
import { startPolymath, type TestPolymath } from './helpers/polymath.js';

const run = promisify(execFile);
const cli = ['--import', 'tsx', join(import.meta.dirname, '..', 'src', 'cli.ts')];
const ADMIN = 'admin-key-for-tests-0123456789';
const messages = [{ role: 'user' as const, content: 'hi' }];

let upstream: FakeOpenAI;
beforeAll(async () => {
  upstream = await startFakeOpenAI();
});
afterAll(async () => {
  await upstream?.close();
});

const providers = () => ({ up: { type: 'openai-compatible', base_url: upstream.url, default_model: 'gpt-fake' } });
const routes = { default: { targets: [{ provider: 'up' }] }, other: { targets: [{ provider: 'up' }] } };

function clientFor(pm: TestPolymath, apiKey: string): OpenAI {
  return new OpenAI({ baseURL: `${pm.url}/v1`, apiKey, maxRetries: 0, timeout: 20_000 });
}

async function call(pm: TestPolymath, method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const res = await request(`${pm.url}${path}`, { method: method as 'GET', headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

describe('polymath keys (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'polymath-keys-'));
  const db = join(dir, 'keys.db');
  const config = join(dir, 'polymath.yaml');
  writeFileSync(config, `store: { url: "sqlite://${db}" }\nlogging: { level: silent }\n`);
  const keys = (...args: string[]) => run(process.execPath, [...cli, 'keys', ...args, '--config', config], { timeout: 60_000 });

  it('creates a key printed once, lists it by prefix only, stores only its hash, and revokes it', async () => {
    const created = await keys('create', '--name', 'tutor-app', '--budget', '0.50/day', '--rpm', '60', '--routes', 'default');
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^pm-[A-Za-z0-9_-]{32}$/);
    const listed = await keys('list', '--json');
    const [k] = JSON.parse(listed.stdout);
    expect(k).toMatchObject({ name: 'tutor-app', prefix: secret.slice(0, 7), budget: '0.5/day', rpm: 60, tpm: null, routes: ['default'], revoked_at: null });
    expect(listed.stdout).not.toContain(secret);
    // Neither the database file nor its WAL holds the key in clear text.
    for (const f of [db, `${db}-wal`]) {
      try {
        expect(readFileSync(f).includes(secret)).toBe(false);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }

    // A server on the same store takes the key, and refuses requests without one.
    const pm = await startPolymath({ providers: providers(), routes, store: { url: `sqlite://${db}` }, auth: { key_cache_ms: 0 } });
    try {
      const ok = await clientFor(pm, secret).chat.completions.create({ model: 'default', messages });
      expect(ok.choices[0].message.content).toBe('Hello from the fake.');
      await expect(pm.client.chat.completions.create({ model: 'default', messages })).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });

      const revoked = await keys('revoke', 'tutor-app');
      expect(revoked.stdout).toContain('revoked tutor-app');
      await expect(clientFor(pm, secret).chat.completions.create({ model: 'default', messages })).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    } finally {
      await pm.close();
    }
  }, 90_000);

  it('rejects a malformed budget or rate with exit code 2 and a reason', async () => {
    await expect(keys('create', '--name', 'x', '--budget', '5/year')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('0.50/day') });
    await expect(keys('create', '--name', 'x', '--rpm', 'ten')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--rpm') });
    await expect(keys('revoke', 'nobody')).rejects.toMatchObject({ code: 1 });
  }, 60_000);
});

describe('auth and the admin API of keys', () => {
  let pm: TestPolymath;
  beforeAll(async () => {
    pm = await startPolymath({ providers: providers(), routes, auth: { admin_key: ADMIN, key_cache_ms: 0 } });
  });
  afterAll(async () => {
    await pm?.close();
  });
  const admin = { authorization: `Bearer ${ADMIN}` };

  it('is open while no key exists on loopback, and closes once the first key is made', async () => {
    expect((await call(pm, 'GET', '/v1/models')).status).toBe(200);
    expect((await call(pm, 'POST', '/v1/admin/keys', {}, { name: 'first' })).status).toBe(401);
    const made = await call(pm, 'POST', '/v1/admin/keys', admin, { name: 'first' });
    expect(made.status).toBe(201);
    expect(made.body.key).toMatch(/^pm-/);
    const denied = await call(pm, 'GET', '/v1/models');
    expect(denied.status).toBe(401);
    expect(denied.body.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
    assertSchema('ErrorResponse', denied.body);
    // /health stays open; a wrong key is named only by its ends.
    expect((await call(pm, 'GET', '/health')).status).toBe(200);
    const wrong = await call(pm, 'GET', '/v1/models', { authorization: 'Bearer pm-not-a-real-key-at-all-123456' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).not.toContain('not-a-real-key');
    // Authorization: Bearer and x-api-key both work.
    expect((await call(pm, 'GET', '/v1/models', { authorization: `Bearer ${made.body.key}` })).status).toBe(200);
    expect((await call(pm, 'GET', '/v1/models', { 'x-api-key': made.body.key })).status).toBe(200);
  });

  it('lists keys without their secrets and revokes by name or id', async () => {
    const made = await call(pm, 'POST', '/v1/admin/keys', admin, { name: 'to-revoke', budget: '20/week', tpm: 1000 });
    expect(made.body).toMatchObject({ object: 'api_key', name: 'to-revoke', budget: '20/week', tpm: 1000 });
    const list = await call(pm, 'GET', '/v1/admin/keys', admin);
    expect(list.body.data.map((k: { name: string }) => k.name)).toContain('to-revoke');
    expect(JSON.stringify(list.body)).not.toContain(made.body.key);
    const del = await call(pm, 'DELETE', `/v1/admin/keys/${made.body.id}`, admin);
    expect(del.body).toMatchObject({ id: made.body.id, deleted: true });
    expect(del.body.revoked_at).toBeGreaterThan(0);
    expect((await call(pm, 'GET', '/v1/models', { authorization: `Bearer ${made.body.key}` })).status).toBe(401);
    expect((await call(pm, 'DELETE', '/v1/admin/keys/nobody', admin)).status).toBe(404);
  });

  it('answers bad key requests with a 400 naming the field', async () => {
    const bad = await call(pm, 'POST', '/v1/admin/keys', admin, { name: 'b', budget: 'lots' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ param: 'budget', code: 'invalid_budget' });
    const dup = await call(pm, 'POST', '/v1/admin/keys', admin, { name: 'first' });
    expect(dup.body.error.code).toBe('name_taken');
    expect((await call(pm, 'POST', '/v1/admin/keys', admin, { name: 'c', rpm: -1 })).body.error.param).toBe('rpm');
  });

  it('keeps /v1/admin/* for the admin key: an API key gets 401 there', async () => {
    const made = await call(pm, 'POST', '/v1/admin/keys', admin, { name: 'app2' });
    expect((await call(pm, 'GET', '/v1/admin/providers', { authorization: `Bearer ${made.body.key}` })).status).toBe(401);
    expect((await call(pm, 'GET', '/v1/admin/providers', admin)).status).toBe(200);
  });

  it('gives a key limited to routes 403 on any other route', async () => {
    const made = await call(pm, 'POST', '/v1/admin/keys', admin, { name: 'only-default', routes: ['default'] });
    const client = clientFor(pm, made.body.key);
    expect((await client.chat.completions.create({ model: 'default', messages })).choices).toHaveLength(1);
    await expect(client.chat.completions.create({ model: 'other', messages })).rejects.toMatchObject({ status: 403, code: 'route_not_allowed', type: 'permission_error' });
    await expect(client.chat.completions.create({ model: 'up/gpt-fake', messages })).rejects.toMatchObject({ status: 403 });
  });
});

describe('auth on a non-loopback address', () => {
  it('is required even before any key exists', async () => {
    const pm = await startPolymath({ providers: providers(), routes, server: { host: '0.0.0.0' } });
    try {
      const res = await request(`http://127.0.0.1:${new URL(pm.url).port}/v1/models`);
      expect(res.statusCode).toBe(401);
      await res.body.text();
      const health = await request(`http://127.0.0.1:${new URL(pm.url).port}/health`);
      expect(health.statusCode).toBe(200);
      await health.body.text();
    } finally {
      await pm.close();
    }
  });
});
