/** Opens the store named by `store.url`: SQLite (default, a file under ./data/) or Postgres. */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type StoreDialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: StoreDialect;
}

export function openStore(url: string, cwd = process.cwd()): Store {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    // bigint (int8) columns hold milliseconds, well inside a JS number: read them as numbers.
    pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
    const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 });
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
  }
  if (url.startsWith('sqlite:')) {
    const path = url.replace(/^sqlite:(\/\/)?/, '');
    const file = path === ':memory:' || path === '' ? ':memory:' : resolve(cwd, path);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const database = new BetterSqlite3(file);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('busy_timeout = 5000');
    return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), dialect: 'sqlite' };
  }
  throw new Error(`store.url must start with sqlite:// or postgres:// (got "${url.split(':')[0]}:")`);
}
