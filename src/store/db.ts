/** Opens the store named by `store.url`: SQLite (default, a file under ./data/) or Postgres. */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database, RequestRecord, RequestsTable } from './schema.js';
import { USAGE_COLUMNS, withUsageDefaults } from './usage-columns.js';
import { SqliteWriter } from './sqlite-writer.js';

export type StoreDialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: StoreDialect;
  /** Writes request records, skipping ids already there; the request log's one write. */
  insertRequests(rows: RequestRecord[]): Promise<void>;
  /** Finishes the writes in flight, then closes every connection. */
  close(): Promise<void>;
}

const REQUEST_COLUMNS = ['id', 'created_at', 'endpoint', 'route', 'provider', 'model', 'stream', 'status', 'attempts', 'latency_ms', 'ttft_ms', 'prompt_tokens', 'completion_tokens', 'error_kind', ...USAGE_COLUMNS] as const;
const INSERT_REQUEST = `insert or ignore into requests (${REQUEST_COLUMNS.join(', ')}) values (${REQUEST_COLUMNS.map((c) => `@${c}`).join(', ')})`;

export function openStore(url: string, cwd = process.cwd()): Store {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    // bigint (int8) columns hold milliseconds, well inside a JS number: read them as numbers.
    pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
    const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      dialect: 'postgres',
      async insertRequests(rows) {
        await db.insertInto('requests').values(withUsageDefaults(rows) as RequestsTable[]).onConflict((oc) => oc.column('id').doNothing()).execute();
      },
      close: () => db.destroy(),
    };
  }
  if (url.startsWith('sqlite:')) {
    const path = url.replace(/^sqlite:(\/\/)?/, '');
    const file = path === ':memory:' || path === '' ? ':memory:' : resolve(cwd, path);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const database = new BetterSqlite3(file);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    if (file !== ':memory:') {
      // Inserts, and the WAL checkpoints they trigger, cost tens of µs a row of event-loop time:
      // a worker thread with its own connection does them. Reads stay on `db` and see its
      // commits (WAL). Migrations run on `db` before the first write starts the worker.
      const writer = new SqliteWriter(file, INSERT_REQUEST);
      return {
        db,
        dialect: 'sqlite',
        insertRequests: (rows) => writer.write(withUsageDefaults(rows)),
        async close() {
          await writer.close();
          await db.destroy();
        },
      };
    }
    // In memory: no other connection, so no worker, can see this database; insert in-thread.
    // One prepared statement in one transaction per batch: a few µs a row, where a Kysely
    // multi-row insert compiled and prepared anew for every batch cost ~50 µs a row.
    let insertMany: ((rows: RequestRecord[]) => void) | undefined;
    return {
      db,
      dialect: 'sqlite',
      async insertRequests(rows) {
        if (!insertMany) {
          const insert = database.prepare(INSERT_REQUEST);
          insertMany = database.transaction((batch: RequestRecord[]) => {
            for (const row of batch) insert.run(row);
          });
        }
        insertMany(withUsageDefaults(rows));
      },
      close: () => db.destroy(),
    };
  }
  throw new Error(`store.url must start with sqlite:// or postgres:// (got "${url.split(':')[0]}:")`);
}
