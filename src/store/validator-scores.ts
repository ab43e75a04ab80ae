/** The validator's EMA per uid in the store (SQLite or Postgres), kept across restarts. */
import type { Kysely, Migration } from 'kysely';
import type { Store } from './db.js';

/** One uid's EMA of validator scores. */
export type EmaEntry = Omit<ValidatorScoresTable, 'netuid'>;

export interface ValidatorScoresTable {
  netuid: number;
  uid: number;
  hotkey: string;
  ema: number;
  last_score: number;
  rounds: number;
  /** ms since the epoch */
  updated_at: number;
}

export const validatorMigrations: Record<string, Migration> = {
  '0350_validator_scores': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('validator_scores')
        .ifNotExists()
        .addColumn('netuid', 'integer', (c) => c.notNull())
        .addColumn('uid', 'integer', (c) => c.notNull())
        .addColumn('hotkey', 'text', (c) => c.notNull())
        .addColumn('ema', 'double precision', (c) => c.notNull())
        .addColumn('last_score', 'double precision', (c) => c.notNull())
        .addColumn('rounds', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('validator_scores_pk', ['netuid', 'uid'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('validator_scores').ifExists().execute();
    },
  },
};

export class ScoreStore {
  constructor(private readonly store: Store, private readonly netuid: number) {}

  async load(): Promise<EmaEntry[]> {
    const rows = await this.store.db.selectFrom('validator_scores').selectAll().where('netuid', '=', this.netuid).orderBy('uid').execute();
    return rows.map(({ netuid: _n, ...r }) => r);
  }

  /** Writes a round's entries in one transaction (one row per uid, replaced). */
  async save(entries: readonly EmaEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.store.db.transaction().execute(async (tx) => {
      for (const e of entries) {
        await tx
          .insertInto('validator_scores')
          .values({ netuid: this.netuid, ...e })
          .onConflict((oc) => oc.columns(['netuid', 'uid']).doUpdateSet({ hotkey: e.hotkey, ema: e.ema, last_score: e.last_score, rounds: e.rounds, updated_at: e.updated_at }))
          .execute();
      }
    });
  }
}
