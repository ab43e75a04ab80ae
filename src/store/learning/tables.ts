/**
 * The learning loop's tables, as Kysely sees them. Times are milliseconds since the epoch; JSON
 * columns are text (portable between SQLite and Postgres) and are parsed by the queries here.
 */

export interface LearnersTable {
  id: string;
  name: string | null;
  /** JSON: the content engine's persona */
  persona: string;
  /** JSON: string[] */
  subjects: string;
  created_at: number;
  updated_at: number;
}

export interface LessonsTable {
  id: string;
  learner_id: string;
  /** queued | ready | done | failed */
  status: string;
  topic: string | null;
  subject: string | null;
  /** JSON: the lesson kind's content, once ready */
  content: string | null;
  /** JSON: string[], the concepts the lesson aims at */
  target_concepts: string;
  /** the submission whose next-lesson job makes this lesson (unique: one lesson per submission) */
  source_submission_id: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

export interface QuizzesTable {
  id: string;
  lesson_id: string;
  learner_id: string;
  title: string;
  created_at: number;
}

export interface QuestionsTable {
  id: string;
  quiz_id: string;
  position: number;
  /** multiple_choice | short_answer */
  type: string;
  question: string;
  /** JSON: string[] (multiple choice), or null */
  options: string | null;
  /** JSON: string[] */
  concepts: string;
  /** JSON, never sent to the client: {correct_index} or {accepted_answers} */
  answer_key: string;
  rubric: string | null;
  explanation: string;
  /** sha-256 of the normalized question text */
  hash: string;
}

export interface SubmissionsTable {
  id: string;
  quiz_id: string;
  learner_id: string;
  idempotency_key: string;
  /** sha-256 of the request body, to refuse a key reused for a different body */
  request_hash: string;
  /** 1 for the first submission of the quiz, 2... for retakes (unique per quiz) */
  attempt: number;
  score: number;
  correct_count: number;
  total: number;
  /** JSON: the response body, returned again for the same idempotency key */
  result: string;
  created_at: number;
}

export interface QuizAnswersTable {
  id: string;
  submission_id: string;
  question_id: string;
  learner_id: string;
  /** JSON: the answer as given */
  answer: string;
  correct: number;
  created_at: number;
}

export interface QuestionsHistoryTable {
  learner_id: string;
  question_hash: string;
  first_seen: number;
  last_seen: number;
  times_answered: number;
}

export interface ConceptMasteryTable {
  learner_id: string;
  concept: string;
  mastery: number;
  attempts: number;
  correct: number;
  last_seen: number;
}

export interface FlashcardsTable {
  id: string;
  learner_id: string;
  lesson_id: string | null;
  topic: string | null;
  front: string;
  back: string;
  due: number;
  stability: number;
  difficulty: number;
  elapsed_days: number;
  scheduled_days: number;
  learning_steps: number;
  reps: number;
  lapses: number;
  /** ts-fsrs State: 0 new, 1 learning, 2 review, 3 relearning */
  state: number;
  last_review: number | null;
  created_at: number;
}

export interface ReviewsTable {
  id: string;
  card_id: string;
  learner_id: string;
  /** 1 again, 2 hard, 3 good, 4 easy */
  rating: number;
  reviewed_at: number;
  /** the state before the review, and the due date and interval it produced */
  state: number;
  due: number;
  scheduled_days: number;
}

export interface LearningJobsTable {
  id: string;
  /** next_lesson */
  type: string;
  /** unique: one job per purpose, e.g. "next_lesson:<submission id>" */
  dedupe_key: string;
  /** JSON */
  payload: string;
  /** queued | running | done | failed */
  status: string;
  attempts: number;
  max_attempts: number;
  run_at: number;
  lease_until: number | null;
  locked_by: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export interface LearningDatabase {
  learners: LearnersTable;
  lessons: LessonsTable;
  quizzes: QuizzesTable;
  questions: QuestionsTable;
  submissions: SubmissionsTable;
  quiz_answers: QuizAnswersTable;
  questions_history: QuestionsHistoryTable;
  concept_mastery: ConceptMasteryTable;
  flashcards: FlashcardsTable;
  reviews: ReviewsTable;
  learning_jobs: LearningJobsTable;
}
