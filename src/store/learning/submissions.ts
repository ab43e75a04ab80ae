/**
 * A quiz submission, written in one transaction: the submission, every answer, the question
 * history, the concept mastery, the quiz's lesson marked done, and the next lesson queued with its
 * job. Either all of it is written or none of it.
 */
import { fromJson, toJson, type Db } from './db.js';
import type { LessonRecord } from './lessons.js';
import { lockMastery, writeMastery, type MasteryRecord } from './mastery.js';
import type { NewJob } from './jobs.js';
import { insertJob } from './jobs.js';
import type { SubmissionsTable } from './tables.js';

/** A submission to write: the table's row (less the stored result) and everything written with it. */
export interface SubmissionInput extends Omit<SubmissionsTable, 'result' | 'created_at'> {
  lesson_id: string;
  answers: Array<{ id: string; question_id: string; question_hash: string; answer: unknown; correct: boolean }>;
  /** the concepts whose mastery this submission moves, with the mastery each starts from when new */
  concepts: Array<{ concept: string; prior: number }>;
  next_lesson: LessonRecord;
  job: NewJob;
  created_at: number;
}

export interface StoredSubmission {
  id: string;
  quiz_id: string;
  learner_id: string;
  request_hash: string;
  attempt: number;
  score: number;
  result: Record<string, unknown>;
  created_at: number;
}

/**
 * Writes a submission. `update` gets the concepts' mastery as it stands, locked for this
 * transaction, and returns the rows to write and the response body to store. A unique violation
 * (the same idempotency key, or a concurrent submission of the same attempt) rolls everything back
 * and is thrown for the caller to read back the winner.
 */
export async function writeSubmission(
  db: Db,
  lockRows: boolean,
  input: SubmissionInput,
  update: (before: Map<string, MasteryRecord>) => { mastery: MasteryRecord[]; result: Record<string, unknown> },
  /** test seam: runs inside the transaction after the answers are written */
  midway?: () => Promise<void>,
): Promise<Record<string, unknown>> {
  return db.transaction().execute(async (trx) => {
    const now = input.created_at;
    await trx
      .insertInto('submissions')
      .values({
        id: input.id,
        quiz_id: input.quiz_id,
        learner_id: input.learner_id,
        idempotency_key: input.idempotency_key,
        request_hash: input.request_hash,
        attempt: input.attempt,
        score: input.score,
        correct_count: input.correct_count,
        total: input.total,
        result: '{}',
        created_at: now,
      })
      .execute();
    if (input.answers.length > 0) {
      await trx
        .insertInto('quiz_answers')
        .values(input.answers.map((a) => ({ id: a.id, submission_id: input.id, question_id: a.question_id, learner_id: input.learner_id, answer: toJson(a.answer), correct: a.correct ? 1 : 0, created_at: now })))
        .execute();
      for (const a of input.answers) {
        await trx
          .insertInto('questions_history')
          .values({ learner_id: input.learner_id, question_hash: a.question_hash, first_seen: now, last_seen: now, times_answered: 1 })
          .onConflict((oc) => oc.columns(['learner_id', 'question_hash']).doUpdateSet((eb) => ({ last_seen: now, times_answered: eb('questions_history.times_answered', '+', 1) })))
          .execute();
      }
    }
    await midway?.();
    const before = await lockMastery(trx, lockRows, input.learner_id, input.concepts, now);
    const { mastery, result } = update(before);
    await writeMastery(trx, input.learner_id, mastery);
    await trx.updateTable('lessons').set({ status: 'done', updated_at: now }).where('id', '=', input.lesson_id).execute();
    const next = input.next_lesson;
    await trx.insertInto('lessons').values({ ...next, content: null, target_concepts: toJson(next.target_concepts) }).execute();
    await insertJob(trx, input.job, now);
    await trx.updateTable('submissions').set({ result: toJson(result) }).where('id', '=', input.id).execute();
    return result;
  });
}

export async function findSubmissionByKey(db: Db, learnerId: string, key: string): Promise<StoredSubmission | undefined> {
  const row = await db
    .selectFrom('submissions')
    .select(['id', 'quiz_id', 'learner_id', 'request_hash', 'attempt', 'score', 'result', 'created_at'])
    .where('learner_id', '=', learnerId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  return row ? { ...row, result: fromJson(row.result) } : undefined;
}

/** The highest attempt number of a quiz so far, 0 when never submitted. */
export async function lastAttempt(db: Db, quizId: string): Promise<number> {
  const row = await db.selectFrom('submissions').select((eb) => eb.fn.max<number | null>('attempt').as('n')).where('quiz_id', '=', quizId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function recentSubmissions(db: Db, learnerId: string, limit: number): Promise<StoredSubmission[]> {
  const rows = await db
    .selectFrom('submissions')
    .select(['id', 'quiz_id', 'learner_id', 'request_hash', 'attempt', 'score', 'result', 'created_at'])
    .where('learner_id', '=', learnerId)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, result: fromJson(r.result) }));
}

export async function averageScore(db: Db, learnerId: string): Promise<number | null> {
  const row = await db.selectFrom('submissions').select((eb) => eb.fn.avg<number | null>('score').as('avg')).where('learner_id', '=', learnerId).executeTakeFirst();
  return row?.avg === null || row?.avg === undefined ? null : Number(row.avg);
}
