/** The learning loop's migrations (names 0100_…–0199_…), spread into the store's one migration set. */
import type { Kysely, Migration } from 'kysely';

// Kysely<any>: migrations run before, and independent of, the typed schema.
type Db = Kysely<any>;

const TABLES = ['reviews', 'flashcards', 'learning_jobs', 'concept_mastery', 'questions_history', 'quiz_answers', 'submissions', 'questions', 'quizzes', 'lessons', 'learners'];

export const learningMigrations: Record<string, Migration> = {
  '0100_learning': {
    async up(db: Db) {
      await db.schema
        .createTable('learners')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text')
        .addColumn('persona', 'text', (c) => c.notNull())
        .addColumn('subjects', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('lessons')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('learner_id', 'text', (c) => c.notNull().references('learners.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('topic', 'text')
        .addColumn('subject', 'text')
        .addColumn('content', 'text')
        .addColumn('target_concepts', 'text', (c) => c.notNull())
        .addColumn('source_submission_id', 'text', (c) => c.unique())
        .addColumn('error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('lessons_learner_status').ifNotExists().on('lessons').columns(['learner_id', 'status', 'created_at']).execute();

      await db.schema
        .createTable('quizzes')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('lesson_id', 'text', (c) => c.notNull().unique().references('lessons.id'))
        .addColumn('learner_id', 'text', (c) => c.notNull().references('learners.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('questions')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('quiz_id', 'text', (c) => c.notNull().references('quizzes.id'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('question', 'text', (c) => c.notNull())
        .addColumn('options', 'text')
        .addColumn('concepts', 'text', (c) => c.notNull())
        .addColumn('answer_key', 'text', (c) => c.notNull())
        .addColumn('rubric', 'text')
        .addColumn('explanation', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addUniqueConstraint('questions_quiz_position', ['quiz_id', 'position'])
        .execute();

      await db.schema
        .createTable('submissions')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('quiz_id', 'text', (c) => c.notNull().references('quizzes.id'))
        .addColumn('learner_id', 'text', (c) => c.notNull().references('learners.id'))
        .addColumn('idempotency_key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('score', 'double precision', (c) => c.notNull())
        .addColumn('correct_count', 'integer', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('submissions_learner_key', ['learner_id', 'idempotency_key'])
        .addUniqueConstraint('submissions_quiz_attempt', ['quiz_id', 'attempt'])
        .execute();
      await db.schema.createIndex('submissions_learner_created').ifNotExists().on('submissions').columns(['learner_id', 'created_at']).execute();

      await db.schema
        .createTable('quiz_answers')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('submission_id', 'text', (c) => c.notNull().references('submissions.id'))
        .addColumn('question_id', 'text', (c) => c.notNull().references('questions.id'))
        .addColumn('learner_id', 'text', (c) => c.notNull())
        .addColumn('answer', 'text', (c) => c.notNull())
        .addColumn('correct', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('quiz_answers_submission_question', ['submission_id', 'question_id'])
        .execute();

      await db.schema
        .createTable('questions_history')
        .ifNotExists()
        .addColumn('learner_id', 'text', (c) => c.notNull())
        .addColumn('question_hash', 'text', (c) => c.notNull())
        .addColumn('first_seen', 'bigint', (c) => c.notNull())
        .addColumn('last_seen', 'bigint', (c) => c.notNull())
        .addColumn('times_answered', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('questions_history_pk', ['learner_id', 'question_hash'])
        .execute();

      await db.schema
        .createTable('concept_mastery')
        .ifNotExists()
        .addColumn('learner_id', 'text', (c) => c.notNull())
        .addColumn('concept', 'text', (c) => c.notNull())
        .addColumn('mastery', 'double precision', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('correct', 'integer', (c) => c.notNull())
        .addColumn('last_seen', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('concept_mastery_pk', ['learner_id', 'concept'])
        .execute();

      await db.schema
        .createTable('flashcards')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('learner_id', 'text', (c) => c.notNull().references('learners.id'))
        .addColumn('lesson_id', 'text')
        .addColumn('topic', 'text')
        .addColumn('front', 'text', (c) => c.notNull())
        .addColumn('back', 'text', (c) => c.notNull())
        .addColumn('due', 'bigint', (c) => c.notNull())
        .addColumn('stability', 'double precision', (c) => c.notNull())
        .addColumn('difficulty', 'double precision', (c) => c.notNull())
        .addColumn('elapsed_days', 'double precision', (c) => c.notNull())
        .addColumn('scheduled_days', 'double precision', (c) => c.notNull())
        .addColumn('learning_steps', 'integer', (c) => c.notNull())
        .addColumn('reps', 'integer', (c) => c.notNull())
        .addColumn('lapses', 'integer', (c) => c.notNull())
        .addColumn('state', 'integer', (c) => c.notNull())
        .addColumn('last_review', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('flashcards_learner_due').ifNotExists().on('flashcards').columns(['learner_id', 'due']).execute();

      await db.schema
        .createTable('reviews')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('card_id', 'text', (c) => c.notNull().references('flashcards.id'))
        .addColumn('learner_id', 'text', (c) => c.notNull())
        .addColumn('rating', 'integer', (c) => c.notNull())
        .addColumn('reviewed_at', 'bigint', (c) => c.notNull())
        .addColumn('state', 'integer', (c) => c.notNull())
        .addColumn('due', 'bigint', (c) => c.notNull())
        .addColumn('scheduled_days', 'double precision', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('reviews_card').ifNotExists().on('reviews').columns(['card_id', 'reviewed_at']).execute();

      await db.schema
        .createTable('learning_jobs')
        .ifNotExists()
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('run_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_until', 'bigint')
        .addColumn('locked_by', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('learning_jobs_claim').ifNotExists().on('learning_jobs').columns(['status', 'run_at']).execute();
    },
    async down(db: Db) {
      for (const t of TABLES) await db.schema.dropTable(t).ifExists().execute();
    },
  },
};
