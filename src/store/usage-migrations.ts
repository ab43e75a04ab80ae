/** Migrations of keys and usage (names 0200_…–0249_…). */
import type { Kysely, Migration } from 'kysely';

export const usageMigrations: Record<string, Migration> = {
  '0200_api_keys': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('api_keys')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('budget_usd', 'double precision')
        .addColumn('budget_period', 'text')
        .addColumn('rpm', 'integer')
        .addColumn('tpm', 'integer')
        .addColumn('routes', 'text')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('api_keys').ifExists().execute();
    },
  },
  '0201_request_usage': {
    async up(db: Kysely<unknown>) {
      for (const [name, type] of [['cost_usd', 'double precision'], ['key_id', 'text'], ['user_id', 'text'], ['kind', 'text'], ['cached_tokens', 'integer']] as const) {
        await db.schema.alterTable('requests').addColumn(name, type).execute();
      }
      await db.schema.alterTable('requests').addColumn('cache_hit', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.createIndex('requests_key_created_at').ifNotExists().on('requests').columns(['key_id', 'created_at']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropIndex('requests_key_created_at').ifExists().execute();
      for (const name of ['cost_usd', 'key_id', 'user_id', 'kind', 'cached_tokens', 'cache_hit']) await db.schema.alterTable('requests').dropColumn(name).execute();
    },
  },
  '0202_request_saved_usd': {
    async up(db: Kysely<unknown>) {
      // What a cache hit saved: the cost of the answer it served, which the request itself did not pay.
      await db.schema.alterTable('requests').addColumn('saved_usd', 'double precision').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('requests').dropColumn('saved_usd').execute();
    },
  },
};
