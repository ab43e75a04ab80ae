/**
 * The `learning:` section of polymath.yaml: the learner model (Bayesian Knowledge Tracing), the
 * mastery threshold, the next-lesson jobs and the flashcard scheduler (FSRS).
 */
import { z } from 'zod';

const probability = z.number().min(0).max(1);

/** BKT parameters; each is a probability. */
const bktSchema = z
  .object({
    /** P(L0): the chance a learner already knows a concept before any evidence */
    prior: probability.default(0.3),
    /** P(T): the chance of learning the concept at each answer */
    learn: probability.default(0.2),
    /** P(G): the chance of answering right without knowing */
    guess: probability.default(0.2),
    /** P(S): the chance of answering wrong while knowing */
    slip: probability.default(0.1),
  })
  .strict();

const bktOverrideSchema = z
  .object({ prior: probability.optional(), learn: probability.optional(), guess: probability.optional(), slip: probability.optional() })
  .strict();

export const learningSchema = z
  .object({
    bkt: bktSchema.prefault({}),
    /** per concept (lower-case name) parameters that replace the defaults above */
    concepts: z.record(z.string().min(1), bktOverrideSchema).default({}),
    /** below this mastery a concept `needs_reinforcement` and is aimed at by the next lesson */
    mastery_threshold: probability.default(0.6),
    /** questions per quiz */
    quiz_questions: z.number().int().min(1).max(20).default(5),
    /** a question is not served to the same learner again within this many days */
    history_window_days: z.number().int().min(0).default(30),
    /** the route that writes lessons, quizzes, feedback and flashcards */
    model: z.string().min(1).default('default'),
    /** a route that grades short answers by their rubric when the accepted answers do not match; unset: no model grading */
    grading_model: z.string().min(1).optional(),
    grading_timeout_ms: z.number().int().min(1_000).max(120_000).default(20_000),
    /** deadline of one content generation, in ms */
    generation_timeout_ms: z.number().int().min(1_000).max(600_000).default(120_000),
    jobs: z
      .object({
        /** run the next-lesson worker in this process */
        worker: z.boolean().default(true),
        /** a claimed job is another worker's after this long without a heartbeat */
        lease_ms: z.number().int().min(1_000).default(60_000),
        /** how often an idle worker looks for jobs */
        poll_ms: z.number().int().min(10).default(1_000),
        max_attempts: z.number().int().min(1).max(50).default(5),
        /** retry delay: backoff_ms × 2^(attempt-1), at most backoff_max_ms */
        backoff_ms: z.number().int().min(0).default(2_000),
        backoff_max_ms: z.number().int().min(0).default(300_000),
        /** jobs run at once by one worker */
        concurrency: z.number().int().min(1).max(32).default(2),
        /** when set (redis://…), jobs run on BullMQ so several instances share them */
        redis_url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').optional(),
        /** BullMQ queue name (and Redis key prefix) */
        queue: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/).default('polymath-learning'),
      })
      .strict()
      .prefault({}),
    flashcards: z
      .object({
        /** FSRS requested retention (0 < r ≤ 1) */
        retention: z.number().gt(0).max(1).default(0.9),
        /** the longest interval between reviews, in days */
        maximum_interval: z.number().int().min(1).default(36_500),
        enable_fuzz: z.boolean().default(false),
        enable_short_term: z.boolean().default(true),
        /** cards per POST /v1/learners/:id/flashcards */
        count: z.number().int().min(1).max(30).default(8),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export type LearningConfig = z.infer<typeof learningSchema>;
export type BktParams = z.infer<typeof bktSchema>;
