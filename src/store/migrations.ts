/**
 * One migration set for SQLite and Postgres, run at start-up. Types are the portable subset:
 * text, integer, bigint, double precision.
 */
import { Migrator, PostgresAdapter, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { learningMigrations } from './learning/migrations.js';
import { usageMigrations } from './usage-migrations.js';
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
  ...learningMigrations,
  ...usageMigrations,
  ...validatorMigrations,
};

class InCodeMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

// Kysely<any>: migrations run before, and independent of, the typed schema.
export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider: new InCodeMigrations(), migrationTableSchema: await currentSchema(db) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * On Postgres, the schema the tables go in (the first of `search_path`). Kysely looks for its
 * migration tables in every schema unless told which: with another schema of the database already
 * migrated by Kysely (another app, or another Polymath) it would skip creating its own and fail.
 */
async function currentSchema(db: Kysely<any>): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const rows = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows.rows[0]?.schema ?? undefined;
}

/** Names of the migrations applied so far (for tests and `polymath` diagnostics). */
export async function appliedMigrations(db: Kysely<any>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.rows.map((r) => r.name);
}
