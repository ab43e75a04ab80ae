/** Flashcards with their FSRS state, and the reviews that moved it. */
import type { Selectable } from 'kysely';
import type { Db } from './db.js';
import type { FlashcardsTable, ReviewsTable } from './tables.js';

export type FlashcardRecord = Selectable<FlashcardsTable>;

export type ReviewRecord = ReviewsTable;

export async function insertFlashcards(db: Db, cards: FlashcardRecord[]): Promise<void> {
  if (cards.length > 0) await db.insertInto('flashcards').values(cards).execute();
}

export async function getFlashcard(db: Db, id: string): Promise<FlashcardRecord | undefined> {
  return db.selectFrom('flashcards').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function dueFlashcards(db: Db, learnerId: string, now: number, limit: number): Promise<FlashcardRecord[]> {
  return db.selectFrom('flashcards').selectAll().where('learner_id', '=', learnerId).where('due', '<=', now).orderBy('due').orderBy('id').limit(limit).execute();
}

/**
 * Applies a review: the card's new state and the review row, in one transaction. The update only
 * applies to the card as it was read (same `reps`), so two reviews racing for one card cannot both
 * count; returns false for the loser.
 */
export async function applyReview(db: Db, before: FlashcardRecord, after: Omit<FlashcardRecord, 'id' | 'learner_id' | 'lesson_id' | 'topic' | 'front' | 'back' | 'created_at'>, review: ReviewRecord): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const res = await trx.updateTable('flashcards').set(after).where('id', '=', before.id).where('reps', '=', before.reps).executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await trx.insertInto('reviews').values(review).execute();
    return true;
  });
}
