import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedMigrations, migrateToLatest, openStore, RequestLog, type RequestRecord, type Store } from '../src/store/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startPolymath } from './helpers/polymath.js';
import { PG_URL, postgresAvailable } from './helpers/services.js';

const schema = `polymath_test_${process.pid}_${Date.now()}`;
const pgUrl = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;

function record(i: number, extra: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id: `req-${i}`,
    created_at: 1_795_000_000_000 + i,
    endpoint: 'chat',
    route: 'default',
    provider: 'up',
    model: 'gpt-fake',
    stream: 0,
    status: 200,
    attempts: 1,
    latency_ms: 12.5,
    ttft_ms: null,
    prompt_tokens: 9,
    completion_tokens: 3,
    error_kind: null,
    ...extra,
  };
}

const dialects = [
  { name: 'SQLite', available: true, url: () => `sqlite://${join(mkdtempSync(join(tmpdir(), 'polymath-store-')), 'polymath.db')}` },
  { name: 'Postgres', available: postgresAvailable, url: () => pgUrl },
];

beforeAll(async () => {
  if (!postgresAvailable) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`create schema if not exists ${schema}`);
  await client.end();
});
afterAll(async () => {
  if (!postgresAvailable) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
});

for (const d of dialects) {
  describe.skipIf(!d.available)(`store on ${d.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = openStore(d.url());
    });
    afterAll(async () => {
      await store?.close();
    });

    it('runs the migrations, and running them again changes nothing', async () => {
      await migrateToLatest(store.db);
      await migrateToLatest(store.db);
      expect(await appliedMigrations(store.db)).toContain('0001_requests');
    });

    it('writes request records in batches and reads them back with their types', async () => {
      const log = new RequestLog(store, { batchSize: 3, flushMs: 10_000, maxPending: 100 }, createLogger('silent'));
      for (let i = 0; i < 7; i++) log.record(record(i, i === 6 ? { status: 502, error_kind: 'upstream_error', prompt_tokens: null, completion_tokens: null } : {}));
      await log.flush();
      const rows = await store.db.selectFrom('requests').selectAll().orderBy('created_at').execute();
      expect(rows).toHaveLength(7);
      expect(rows[0]).toMatchObject(record(0));
      expect(rows[6]).toMatchObject({ status: 502, error_kind: 'upstream_error', prompt_tokens: null });
    });

    it('drops and counts records past its bound instead of growing', async () => {
      const log = new RequestLog(store, { batchSize: 100, flushMs: 10_000, maxPending: 2 }, createLogger('silent'));
      for (let i = 100; i < 105; i++) log.record(record(i));
      expect(log.dropped).toBe(3);
      await log.flush();
      expect(await store.db.selectFrom('requests').select('id').where('id', 'in', ['req-100', 'req-101', 'req-102']).execute()).toHaveLength(2);
    });
  });
}

describe.skipIf(!postgresAvailable)('the server on Postgres', () => {
  let upstream: FakeOpenAI;
  beforeAll(async () => {
    upstream = await startFakeOpenAI();
  });
  afterAll(async () => {
    await upstream?.close();
  });

  it('records every request, success and failure, with tokens and timings', async () => {
    const pm = await startPolymath({
      store: { url: pgUrl },
      providers: { up: { type: 'openai-compatible', base_url: upstream.url, default_model: 'gpt-fake' } },
      routes: { default: { targets: [{ provider: 'up' }] } },
    });
    try {
      const ok = await pm.client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      const stream = await pm.client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
      for await (const _ of stream) void _;
      await pm.client.chat.completions.create({ model: 'missing', messages: [{ role: 'user', content: 'hi' }] }).catch(() => undefined);
      await pm.runtime.requestLog.flush();
      const rows = await pm.runtime.store.db.selectFrom('requests').selectAll().where('endpoint', '=', 'chat').orderBy('created_at').execute();
      const mine = rows.filter((r) => r.id === ok.response.headers.get('x-request-id') || r.stream === 1 || r.status === 404);
      expect(mine.map((r) => [r.status, r.stream, r.route, r.provider, r.error_kind])).toEqual([
        [200, 0, 'default', 'up', null],
        [200, 1, 'default', 'up', null],
        [404, 0, null, null, 'model_not_found'],
      ]);
      expect(mine[0]).toMatchObject({ prompt_tokens: 9, completion_tokens: 3, model: 'gpt-fake', attempts: 1 });
      expect(mine[1].completion_tokens).toBe(2);
      expect(mine[1].ttft_ms).toBeGreaterThan(0);
      expect(mine[0].latency_ms).toBeGreaterThan(0);
    } finally {
      await pm.close();
    }
  });
});
