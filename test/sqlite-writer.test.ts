import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest, openStore, type RequestRecord, type Store } from '../src/store/index.js';
import { SqliteWriter } from '../src/store/sqlite-writer.js';

const INSERT = 'insert or ignore into requests (id, created_at, endpoint, route, provider, model, stream, status, attempts, latency_ms, ttft_ms, prompt_tokens, completion_tokens, error_kind) values (@id, @created_at, @endpoint, @route, @provider, @model, @stream, @status, @attempts, @latency_ms, @ttft_ms, @prompt_tokens, @completion_tokens, @error_kind)';

function record(i: number, extra: Partial<RequestRecord> = {}): RequestRecord {
  return { id: `req-${i}`, created_at: 1_795_000_000_000 + i, endpoint: 'chat', route: 'default', provider: 'up', model: 'gpt-fake', stream: 0, status: 200, attempts: 1, latency_ms: 12.5, ttft_ms: null, prompt_tokens: 9, completion_tokens: 3, error_kind: null, ...extra };
}

const batch = (from: number, n: number) => Array.from({ length: n }, (_, k) => record(from + k));

function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'polymath-writer-')), 'polymath.db');
}

/** A migrated store on a new file. */
async function freshStore(): Promise<{ store: Store; file: string }> {
  const file = tempDb();
  const store = openStore(`sqlite://${file}`);
  await migrateToLatest(store.db);
  return { store, file };
}

function countRows(file: string): number {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return (db.prepare('select count(*) as n from requests').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const toClose: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.allSettled(toClose.splice(0).map((c) => c.close()));
});

describe('SQLite request inserts on a worker thread', () => {
  it('makes a batch readable on the main connection once its promise resolves, and ignores a duplicate id', async () => {
    const { store } = await freshStore();
    toClose.push(store);
    await store.insertRequests([record(1), record(2)]);
    expect(await store.db.selectFrom('requests').selectAll().orderBy('id').execute()).toMatchObject([record(1), record(2)]);

    await store.insertRequests([record(1, { status: 500 }), record(3)]);
    const rows = await store.db.selectFrom('requests').select(['id', 'status']).orderBy('id').execute();
    expect(rows).toEqual([{ id: 'req-1', status: 200 }, { id: 'req-2', status: 200 }, { id: 'req-3', status: 200 }]);
  });

  it('rejects a failing batch with the database message, writes none of it, and the next batch succeeds', async () => {
    const { store } = await freshStore();
    toClose.push(store);
    // A value SQLite cannot bind fails the whole transaction, the good row before it included.
    // (endpoint: null would not: `insert or ignore` also skips rows that break NOT NULL.)
    await expect(store.insertRequests([record(1), record(2, { endpoint: {} as unknown as string })])).rejects.toThrow(/can only bind/);
    const { id: _, ...missingId } = record(3);
    await expect(store.insertRequests([missingId as RequestRecord])).rejects.toThrow(/Missing named parameter "id"/);
    await store.insertRequests([record(4)]);
    expect(await store.db.selectFrom('requests').select('id').execute()).toEqual([{ id: 'req-4' }]);
  });

  it('waits in close() for the batches in flight', async () => {
    const { store, file } = await freshStore();
    const writes = [0, 1, 2, 3, 4].map((b) => store.insertRequests(batch(b * 200, 200)));
    await store.close();
    await expect(Promise.all(writes)).resolves.toBeDefined();
    expect(countRows(file)).toBe(1000);
  });

  it('fails every batch sent to a worker that dies, and starts a new worker on the next write', async () => {
    // No table yet: the worker throws while preparing its statement, outside any batch.
    const file = tempDb();
    const writer = new SqliteWriter(file, INSERT);
    toClose.push(writer);
    const results = await Promise.allSettled([writer.write([record(1)]), writer.write([record(2)])]);
    expect(results.map((r) => r.status === 'rejected' && String(r.reason))).toEqual([
      'Error: sqlite writer failed: no such table: requests',
      'Error: sqlite writer failed: no such table: requests',
    ]);

    const store = openStore(`sqlite://${file}`);
    toClose.push(store);
    await migrateToLatest(store.db);
    await writer.write([record(3)]);
    expect(countRows(file)).toBe(1);
  });

  it('refuses a batch at once when too many await the database', async () => {
    const { store, file } = await freshStore();
    await store.close();
    const writer = new SqliteWriter(file, INSERT, { maxPending: 2, timeoutMs: 30_000 });
    toClose.push(writer);
    const first = writer.write(batch(0, 10));
    const second = writer.write(batch(10, 10));
    await expect(writer.write(batch(20, 10))).rejects.toThrow(/2 batches awaiting the database; batch of 10 refused/);
    await Promise.all([first, second]);
    await writer.write(batch(20, 10));
    expect(countRows(file)).toBe(30);
  });

  it('fails a batch not acknowledged within its deadline, and recovers with a new worker', async () => {
    const { store, file } = await freshStore();
    await store.close();
    const writer = new SqliteWriter(file, INSERT, { maxPending: 64, timeoutMs: 1_000 });
    toClose.push(writer);
    // Another connection holds the write lock: the worker waits in busy_timeout (5 s) past the deadline.
    const locker = new BetterSqlite3(file);
    locker.exec('begin immediate');
    try {
      await expect(writer.write([record(1)])).rejects.toThrow(/did not acknowledge a batch within 1000 ms/);
    } finally {
      locker.exec('commit');
      locker.close();
    }
    await writer.write([record(2)]);
    const db = new BetterSqlite3(file, { readonly: true });
    expect(db.prepare("select id from requests where id = 'req-2'").all()).toEqual([{ id: 'req-2' }]);
    db.close();
  });

  it('rejects writes after close()', async () => {
    const { store } = await freshStore();
    await store.close();
    await expect(store.insertRequests([record(1)])).rejects.toThrow(/sqlite writer is closed/);
  });

  it('lets a process that never closes the store exit once its writes are done', async () => {
    const file = tempDb();
    const script = `
      import { migrateToLatest, openStore } from './src/store/index.ts';
      const store = openStore(${JSON.stringify(`sqlite://${file}`)});
      await migrateToLatest(store.db);
      await store.insertRequests([${JSON.stringify(record(1))}]);
      console.log('written');
    `;
    const started = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), timeout: 15_000 });
    expect(stdout.trim()).toBe('written');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(countRows(file)).toBe(1);
  });
});
