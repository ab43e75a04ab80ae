/** Recorded spend is neither lost nor doubled when the database fails, or fails after committing. */
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest, openStore, RequestLog, type RequestRecord, type Store } from '../src/store/index.js';
import { createLogger } from '../src/telemetry/logger.js';

function priced(i: number): RequestRecord {
  return { id: `spend-${i}`, created_at: 1_795_000_000_000 + i, endpoint: 'chat', route: null, provider: 'up', model: 'm', stream: 0, status: 200, attempts: 1, latency_ms: 1, ttft_ms: null, prompt_tokens: 9, completion_tokens: 3, error_kind: null, cost_usd: 0.015, key_id: 'key_a' };
}

let store: Store;
afterEach(async () => {
  await store?.close();
});

async function spent(): Promise<{ rows: number; usd: number }> {
  const r = await store.db.selectFrom('requests').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('cost_usd').as('s')]).where('key_id', '=', 'key_a').executeTakeFirstOrThrow();
  return { rows: Number(r.n), usd: Number(r.s ?? 0) };
}

describe('the request log and spend', () => {
  it('retries a batch the database refused, and keeps every record once', async () => {
    store = openStore('sqlite://:memory:');
    await migrateToLatest(store.db);
    let failures = 2;
    const flaky = { insertRequests: (rows: RequestRecord[]) => (failures-- > 0 ? Promise.reject(new Error('database is locked')) : store.insertRequests(rows)) };
    const log = new RequestLog(flaky, { batchSize: 10, flushMs: 5, maxPending: 100 }, createLogger('silent'));
    for (let i = 0; i < 25; i++) log.record(priced(i));
    for (let i = 0; i < 20 && (await spent()).rows < 25; i++) await log.flush();
    expect(await spent()).toEqual({ rows: 25, usd: expect.closeTo(25 * 0.015, 9) });
    expect(log.dropped).toBe(0);
  });

  it('does not count a batch twice when the write committed but was reported failed', async () => {
    store = openStore('sqlite://:memory:');
    await migrateToLatest(store.db);
    let lie = true;
    const committedThenFailed = {
      async insertRequests(rows: RequestRecord[]) {
        await store.insertRequests(rows);
        if (lie) {
          lie = false;
          throw new Error('sqlite writer did not acknowledge a batch in time');
        }
      },
    };
    const log = new RequestLog(committedThenFailed, { batchSize: 10, flushMs: 5, maxPending: 100 }, createLogger('silent'));
    for (let i = 0; i < 10; i++) log.record(priced(i));
    await log.flush();
    await log.flush();
    expect(await spent()).toEqual({ rows: 10, usd: expect.closeTo(10 * 0.015, 9) });
  });

  it('gives up on a record the database keeps refusing, and counts it dropped', async () => {
    store = openStore('sqlite://:memory:');
    await migrateToLatest(store.db);
    const refusing = { insertRequests: () => Promise.reject(new Error('disk I/O error')) };
    const log = new RequestLog(refusing, { batchSize: 10, flushMs: 1, maxPending: 100 }, createLogger('silent'));
    log.record(priced(1));
    for (let i = 0; i < 10; i++) await log.flush();
    expect(log.dropped).toBe(1);
  });

  it('keeps priced records past the bound of unpriced ones (up to twice it)', async () => {
    store = openStore('sqlite://:memory:');
    await migrateToLatest(store.db);
    const log = new RequestLog(store, { batchSize: 100, flushMs: 10_000, maxPending: 2 }, createLogger('silent'));
    for (let i = 0; i < 2; i++) log.record({ ...priced(i), cost_usd: null });
    log.record({ ...priced(50), cost_usd: null });
    for (let i = 10; i < 14; i++) log.record(priced(i));
    expect(log.dropped).toBe(3); // one unpriced past 2, two priced past 4
    await log.flush();
    expect((await spent()).rows).toBe(4);
  });
});
