/**
 * For the learning tests: the two stores (a SQLite file, and a schema of this machine's Postgres
 * made for the test run and dropped after), and a Polymath on the offline library provider.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PolymathClient } from '../../src/client/index.js';
import { startPolymath, type TestPolymath } from './polymath.js';
import { PG_URL, postgresAvailable } from './services.js';

export interface Dialect {
  name: 'SQLite' | 'Postgres';
  available: boolean;
  /** a fresh, empty store URL */
  url(): Promise<string>;
}

const schemas: string[] = [];

export const DIALECTS: Dialect[] = [
  { name: 'SQLite', available: true, url: async () => `sqlite://${join(mkdtempSync(join(tmpdir(), 'polymath-learning-')), 'polymath.db')}` },
  {
    name: 'Postgres',
    available: postgresAvailable,
    async url() {
      const schema = `learning_${process.pid}_${randomBytes(4).toString('hex')}`;
      await withPg((c) => c.query(`create schema ${schema}`));
      schemas.push(schema);
      return `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    },
  },
];

async function withPg<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops the Postgres schemas this file made. */
export async function dropSchemas(): Promise<void> {
  if (!postgresAvailable) return;
  const all = schemas.splice(0);
  if (all.length > 0) await withPg((c) => c.query(all.map((s) => `drop schema if exists ${s} cascade`).join('; ')));
}

export const LIBRARY_ONLY = { providers: { library: { type: 'library' } }, routes: { default: { targets: [{ provider: 'library' }] } } };

export async function startLearningServer(storeUrl: string, learning: Record<string, unknown> = {}, extra: Record<string, unknown> = LIBRARY_ONLY): Promise<TestPolymath & { pm: PolymathClient }> {
  const server = await startPolymath({ ...extra, store: { url: storeUrl }, routing: { health_interval_ms: 0 }, learning: { ...learning, jobs: { poll_ms: 50, backoff_ms: 50, ...(learning.jobs as object | undefined) } } });
  return { ...server, pm: new PolymathClient({ baseUrl: server.url, timeoutMs: 60_000 }) };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
