/** Mastery per learner and concept. */
import type { Db } from './db.js';

export interface MasteryRecord {
  concept: string;
  mastery: number;
  attempts: number;
  correct: number;
  last_seen: number;
}

/**
 * Makes sure a row exists for every concept (at its prior), then reads them; on Postgres the rows
 * are locked `for update` so concurrent submissions of one learner apply one after the other.
 * (SQLite runs one write transaction at a time.)
 */
export async function lockMastery(db: Db, lockRows: boolean, learnerId: string, concepts: Array<{ concept: string; prior: number }>, now: number): Promise<Map<string, MasteryRecord>> {
  const out = new Map<string, MasteryRecord>();
  if (concepts.length === 0) return out;
  await db
    .insertInto('concept_mastery')
    .values(concepts.map((c) => ({ learner_id: learnerId, concept: c.concept, mastery: c.prior, attempts: 0, correct: 0, last_seen: now })))
    .onConflict((oc) => oc.columns(['learner_id', 'concept']).doNothing())
    .execute();
  let q = db
    .selectFrom('concept_mastery')
    .select(['concept', 'mastery', 'attempts', 'correct', 'last_seen'])
    .where('learner_id', '=', learnerId)
    .where('concept', 'in', concepts.map((c) => c.concept))
    .orderBy('concept');
  if (lockRows) q = q.forUpdate();
  for (const row of await q.execute()) out.set(row.concept, row);
  return out;
}

export async function writeMastery(db: Db, learnerId: string, rows: MasteryRecord[]): Promise<void> {
  for (const r of rows) {
    await db.updateTable('concept_mastery').set({ mastery: r.mastery, attempts: r.attempts, correct: r.correct, last_seen: r.last_seen }).where('learner_id', '=', learnerId).where('concept', '=', r.concept).execute();
  }
}

export async function getMastery(db: Db, learnerId: string): Promise<MasteryRecord[]> {
  return db.selectFrom('concept_mastery').select(['concept', 'mastery', 'attempts', 'correct', 'last_seen']).where('learner_id', '=', learnerId).orderBy('mastery').orderBy('concept').limit(1_000).execute();
}
