/** Lessons, their quizzes and questions (answer keys included: they never leave the server). */
import type { Selectable } from 'kysely';
import { fromJson, toJson, type Db } from './db.js';
import type { LessonsTable, QuestionsTable } from './tables.js';

export type LessonStatus = 'queued' | 'ready' | 'done' | 'failed';

export interface LessonRecord {
  id: string;
  learner_id: string;
  status: LessonStatus;
  topic: string | null;
  subject: string | null;
  content: Record<string, unknown> | null;
  target_concepts: string[];
  source_submission_id: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

export interface AnswerKey {
  correct_index?: number;
  accepted_answers?: string[];
}

export interface QuestionRecord {
  id: string;
  quiz_id: string;
  position: number;
  type: 'multiple_choice' | 'short_answer';
  question: string;
  options: string[] | null;
  concepts: string[];
  answer_key: AnswerKey;
  rubric: string | null;
  explanation: string;
  hash: string;
}

export interface QuizRecord {
  id: string;
  lesson_id: string;
  learner_id: string;
  title: string;
  created_at: number;
  questions: QuestionRecord[];
}

function lessonFromRow(row: Selectable<LessonsTable>): LessonRecord {
  return { ...row, status: row.status as LessonStatus, content: fromJson(row.content), target_concepts: fromJson(row.target_concepts) };
}

function questionFromRow(row: Selectable<QuestionsTable>): QuestionRecord {
  return {
    ...row,
    type: row.type as QuestionRecord['type'],
    options: fromJson(row.options),
    concepts: fromJson(row.concepts),
    answer_key: fromJson(row.answer_key),
  };
}

function lessonRow(l: LessonRecord) {
  return { ...l, content: l.content === null ? null : toJson(l.content), target_concepts: toJson(l.target_concepts) };
}

async function insertQuiz(db: Db, quiz: QuizRecord, now: number): Promise<void> {
  const { questions, ...row } = quiz;
  await db.insertInto('quizzes').values(row).execute();
  if (questions.length === 0) return;
  await db
    .insertInto('questions')
    .values(questions.map((q) => ({ ...q, options: q.options === null ? null : toJson(q.options), concepts: toJson(q.concepts), answer_key: toJson(q.answer_key) })))
    .execute();
  // Served now: the learner will not be served these questions again within the window.
  await db
    .insertInto('questions_history')
    .values(questions.map((q) => ({ learner_id: quiz.learner_id, question_hash: q.hash, first_seen: now, last_seen: now, times_answered: 0 })))
    .onConflict((oc) => oc.columns(['learner_id', 'question_hash']).doUpdateSet({ last_seen: now }))
    .execute();
}

/** A lesson made on request: the lesson, its quiz and questions, and the served-question history, at once. */
export async function insertReadyLesson(db: Db, lesson: LessonRecord, quiz: QuizRecord, now: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('lessons').values(lessonRow(lesson)).execute();
    await insertQuiz(trx, quiz, now);
  });
}

/**
 * Fills a queued lesson with its content and quiz. Only a lesson still `queued` is filled, in one
 * transaction, so two workers that both ran the job (a lease that expired under a slow worker)
 * make one lesson: the second finds it filled and writes nothing. Returns whether this call filled it.
 */
export async function fillQueuedLesson(db: Db, id: string, fill: Pick<LessonRecord, 'topic' | 'content' | 'target_concepts'>, quiz: QuizRecord, now: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('lessons')
      .set({ status: 'ready', topic: fill.topic, content: toJson(fill.content), target_concepts: toJson(fill.target_concepts), error: null, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await insertQuiz(trx, quiz, now);
    return true;
  });
}

export async function failQueuedLesson(db: Db, id: string, error: string, now: number): Promise<void> {
  await db.updateTable('lessons').set({ status: 'failed', error, updated_at: now }).where('id', '=', id).where('status', '=', 'queued').execute();
}

export async function getLesson(db: Db, id: string): Promise<LessonRecord | undefined> {
  const row = await db.selectFrom('lessons').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? lessonFromRow(row) : undefined;
}

export async function listLessons(db: Db, learnerId: string, status: LessonStatus | undefined, limit: number): Promise<LessonRecord[]> {
  let q = db.selectFrom('lessons').selectAll().where('learner_id', '=', learnerId);
  if (status) q = q.where('status', '=', status);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(limit).execute();
  return rows.map(lessonFromRow);
}

export async function countLessons(db: Db, learnerId: string, status: LessonStatus): Promise<number> {
  const row = await db.selectFrom('lessons').select((eb) => eb.fn.countAll<number>().as('n')).where('learner_id', '=', learnerId).where('status', '=', status).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function withQuestions(db: Db, quiz: Omit<QuizRecord, 'questions'> | undefined): Promise<QuizRecord | undefined> {
  if (!quiz) return undefined;
  const rows = await db.selectFrom('questions').selectAll().where('quiz_id', '=', quiz.id).orderBy('position').execute();
  return { ...quiz, questions: rows.map(questionFromRow) };
}

export async function getQuiz(db: Db, id: string): Promise<QuizRecord | undefined> {
  return withQuestions(db, await db.selectFrom('quizzes').selectAll().where('id', '=', id).executeTakeFirst());
}

export async function getQuizOfLesson(db: Db, lessonId: string): Promise<QuizRecord | undefined> {
  return withQuestions(db, await db.selectFrom('quizzes').selectAll().where('lesson_id', '=', lessonId).executeTakeFirst());
}

/** Hashes of the questions served to a learner since `since` (ms). */
export async function recentQuestionHashes(db: Db, learnerId: string, since: number): Promise<Set<string>> {
  const rows = await db.selectFrom('questions_history').select('question_hash').where('learner_id', '=', learnerId).where('last_seen', '>=', since).execute();
  return new Set(rows.map((r) => r.question_hash));
}
