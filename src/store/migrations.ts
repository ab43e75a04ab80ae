/**
 * One migration set for SQLite and Postgres, run at start-up. Types are the portable subset:
 * text, integer, bigint, double precision.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { validatorMigrations } from './validator-scores.js';

const migrations: Record<string, Migration> = {
  '0001_requests': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('requests')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('endpoint', 'text', (c) => c.notNull())
        .addColumn('route', 'text')
        .addColumn('provider', 'text')
        .addColumn('model', 'text')
        .addColumn('stream', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('latency_ms', 'double precision', (c) => c.notNull())
        .addColumn('ttft_ms', 'double precision')
        .addColumn('prompt_tokens', 'integer')
        .addColumn('completion_tokens', 'integer')
        .addColumn('error_kind', 'text')
        .execute();
      await db.schema.createIndex('requests_created_at').ifNotExists().on('requests').column('created_at').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('requests').ifExists().execute();
    },
  },
  ...validatorMigrations,
};

class InCodeMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

// Kysely<any>: migrations run before, and independent of, the typed schema.
export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider: new InCodeMigrations() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Names of the migrations applied so far (for tests and `polymath` diagnostics). */
export async function appliedMigrations(db: Kysely<any>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.rows.map((r) => r.name);
}
