/** Learners: who is learning, their persona and subjects. */
import type { Selectable } from 'kysely';
import { fromJson, toJson, type Db } from './db.js';
import type { LearnersTable } from './tables.js';

export interface LearnerRecord {
  id: string;
  name: string | null;
  persona: Record<string, unknown>;
  subjects: string[];
  created_at: number;
  updated_at: number;
}

function fromRow(row: Selectable<LearnersTable>): LearnerRecord {
  return { ...row, persona: fromJson(row.persona), subjects: fromJson(row.subjects) };
}

export async function insertLearner(db: Db, l: LearnerRecord): Promise<void> {
  await db.insertInto('learners').values({ ...l, persona: toJson(l.persona), subjects: toJson(l.subjects) }).execute();
}

export async function getLearner(db: Db, id: string): Promise<LearnerRecord | undefined> {
  const row = await db.selectFrom('learners').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function updateLearner(db: Db, id: string, patch: Partial<Pick<LearnerRecord, 'name' | 'persona' | 'subjects'>>, now: number): Promise<void> {
  await db
    .updateTable('learners')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.persona !== undefined ? { persona: toJson(patch.persona) } : {}),
      ...(patch.subjects !== undefined ? { subjects: toJson(patch.subjects) } : {}),
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
}
