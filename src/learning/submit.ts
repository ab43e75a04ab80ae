/**
 * POST /v1/quizzes/:id/submissions: scores the answers on the server, asks for feedback, then
 * writes everything in one transaction (see store/learning/submissions.ts) and queues the next
 * lesson. Idempotent by the `Idempotency-Key` header: a key already used for this learner returns
 * the first result, even when the requests race (the unique constraint decides, then the loser
 * reads the winner back), across instances. A second submission of the same quiz under another
 * key is a 409 unless the body says `retake: true`.
 */
import type { Persona } from '../content/index.js';
import { PolymathError } from '../errors.js';
import { findSubmissionByKey, getJobByKey, getLesson, getQuiz, isUniqueViolation, lastAttempt, writeSubmission, type LessonRecord, type MasteryRecord, type StoredSubmission } from '../store/learning/index.js';
import { bktParamsFor, bktUpdate } from './bkt.js';
import { nowOf, type LearningDeps } from './deps.js';
import { feedbackFor } from './feedback.js';
import { gradeByRubric } from './grade.js';
import { newId } from './ids.js';
import { requireLearner } from './learners.js';
import { parseBody, submissionSchema } from './requests.js';
import { scoreAnswer } from './scoring.js';
import { sha256 } from './text.js';

export const NEXT_LESSON_JOB = 'next_lesson';
const KEY = /^[\x21-\x7e]{1,255}$/;

export interface SubmitOptions {
  idempotencyKey?: string;
  requestId: string;
  signal: AbortSignal;
  /** the API key making the submission: its next-lesson job's content calls are billed to it */
  keyId?: string;
  /** called with the quiz's learner once the quiz is found (the request is billed to them) */
  onLearner?: (learnerId: string) => void;
  /** called with the new job's id once the transaction has committed */
  onJobQueued?: (jobId: string) => void;
  /** test seam: runs inside the transaction, after the answers are written */
  midway?: () => Promise<void>;
}

export interface SubmitOutcome {
  body: Record<string, unknown>;
  /** true when the idempotency key had been used and this is the first result again */
  replayed: boolean;
}

export async function submitQuiz(deps: LearningDeps, quizId: string, rawBody: unknown, opts: SubmitOptions): Promise<SubmitOutcome> {
  const body = parseBody(submissionSchema, rawBody);
  if (opts.idempotencyKey !== undefined && !KEY.test(opts.idempotencyKey)) {
    throw new PolymathError('invalid_request', 'The Idempotency-Key header must be 1-255 printable ASCII characters.', { param: 'Idempotency-Key', code: 'invalid_idempotency_key' });
  }
  const db = deps.store.db;
  const quiz = await getQuiz(db, quizId);
  if (!quiz) throw new PolymathError('not_found', `No quiz "${quizId}".`, { code: 'quiz_not_found' });
  opts.onLearner?.(quiz.learner_id);
  const requestHash = sha256(JSON.stringify({ quiz: quizId, answers: body.answers, retake: body.retake ?? false }));
  const key = opts.idempotencyKey ?? newId('auto');

  const earlier = await findSubmissionByKey(db, quiz.learner_id, key);
  if (earlier) return replay(deps, earlier, quizId, requestHash);

  const { questions } = quiz;
  if (body.answers.length !== questions.length) {
    throw new PolymathError('invalid_request', `The quiz has ${questions.length} questions; "answers" has ${body.answers.length} (use null for a question left unanswered).`, { param: 'answers', code: 'wrong_answer_count' });
  }
  questions.forEach((q, i) => {
    const a = body.answers[i];
    if (a === null) return;
    if (q.type === 'multiple_choice' && (typeof a !== 'number' || a >= (q.options?.length ?? 0))) {
      throw new PolymathError('invalid_request', `answers.${i}: question ${i} is multiple choice; answer with an option index from 0 to ${(q.options?.length ?? 1) - 1}.`, { param: `answers.${i}`, code: 'invalid_answer' });
    }
    if (q.type === 'short_answer' && typeof a !== 'string') {
      throw new PolymathError('invalid_request', `answers.${i}: question ${i} is short answer; answer with a string.`, { param: `answers.${i}`, code: 'invalid_answer' });
    }
  });
  const attempt = (await lastAttempt(db, quizId)) + 1;
  if (attempt > 1 && !body.retake) {
    // A request with this key may have committed since the first look.
    const winner = await findSubmissionByKey(db, quiz.learner_id, key);
    if (winner) return replay(deps, winner, quizId, requestHash);
    throw alreadySubmitted(quizId);
  }

  const lesson = await getLesson(db, quiz.lesson_id);
  const learner = await requireLearner(deps, quiz.learner_id);
  const results = questions.map((q, i) => scoreAnswer(q, body.answers[i]));
  // Short answers the key did not accept go to the grading route, when one is configured.
  await Promise.all(
    questions.map(async (q, i) => {
      const a = body.answers[i];
      if (q.type !== 'short_answer' || results[i].correct || typeof a !== 'string' || a.trim() === '') return;
      const verdict = await gradeByRubric(deps, q, a, opts.requestId, opts.signal);
      if (verdict !== undefined) results[i] = { ...results[i], correct: verdict, graded_by: 'model' };
    }),
  );
  const correctCount = results.filter((r) => r.correct).length;
  const score = Math.round((1000 * correctCount) / questions.length) / 10;
  const feedback = await feedbackFor(deps, learner.persona as Persona, lesson?.topic ?? null, questions, body.answers, results, opts.requestId, opts.signal);

  const cfg = deps.config();
  const now = nowOf(deps);
  const id = newId('sub');
  const nextLesson: LessonRecord = {
    id: newId('les'),
    learner_id: learner.id,
    status: 'queued',
    topic: null,
    subject: lesson?.subject ?? null,
    content: null,
    target_concepts: [],
    source_submission_id: id,
    error: null,
    created_at: now,
    updated_at: now,
  };
  const jobId = newId('job');
  const concepts = [...new Set(questions.flatMap((q) => q.concepts))];
  let result: Record<string, unknown>;
  try {
    result = await writeSubmission(
      db,
      deps.store.dialect === 'postgres',
      {
        id,
        quiz_id: quizId,
        lesson_id: quiz.lesson_id,
        learner_id: learner.id,
        idempotency_key: key,
        request_hash: requestHash,
        attempt,
        score,
        correct_count: correctCount,
        total: questions.length,
        answers: questions.map((q, i) => ({ id: newId('ans'), question_id: q.id, question_hash: q.hash, answer: body.answers[i], correct: results[i].correct })),
        concepts: concepts.map((c) => ({ concept: c, prior: bktParamsFor(cfg, c).prior })),
        next_lesson: nextLesson,
        job: { id: jobId, type: NEXT_LESSON_JOB, dedupe_key: `${NEXT_LESSON_JOB}:${id}`, payload: { lesson_id: nextLesson.id, learner_id: learner.id, submission_id: id, quiz_id: quizId, ...(opts.keyId ? { key_id: opts.keyId } : {}) }, max_attempts: cfg.jobs.max_attempts },
        created_at: now,
      },
      (before) => {
        // Answers apply in question order; each moves every concept it is tagged with.
        const rows = new Map<string, MasteryRecord>([...before].map(([c, r]) => [c, { ...r }]));
        questions.forEach((q, i) => {
          for (const c of q.concepts) {
            const row = rows.get(c)!;
            row.mastery = bktUpdate(row.mastery, results[i].correct, bktParamsFor(cfg, c));
            row.attempts += 1;
            row.correct += results[i].correct ? 1 : 0;
            row.last_seen = now;
          }
        });
        const mastery = [...rows.values()];
        return {
          mastery,
          result: {
            id,
            object: 'quiz.submission',
            quiz_id: quizId,
            lesson_id: quiz.lesson_id,
            learner_id: learner.id,
            attempt,
            score,
            correct_count: correctCount,
            total: questions.length,
            results,
            feedback: feedback.feedback,
            feedback_source: feedback.source,
            mastery: mastery.map((m) => ({ concept: m.concept, before: before.get(m.concept)!.mastery, after: m.mastery })),
            next_lesson: { id: nextLesson.id, status: 'queued' },
            created_at: new Date(now).toISOString(),
          },
        };
      },
      opts.midway,
    );
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // Another request won: with this key (its result is ours), or with another key for this attempt.
    const winner = await findSubmissionByKey(db, learner.id, key);
    if (winner) return replay(deps, winner, quizId, requestHash);
    throw alreadySubmitted(quizId);
  }
  opts.onJobQueued?.(jobId);
  return { body: result, replayed: false };
}

function alreadySubmitted(quizId: string): PolymathError {
  return new PolymathError('conflict', `Quiz "${quizId}" was already submitted. Send "retake": true to take it again, or repeat the first request's Idempotency-Key to get its result.`, { code: 'already_submitted' });
}

async function replay(deps: LearningDeps, earlier: StoredSubmission, quizId: string, requestHash: string): Promise<SubmitOutcome> {
  if (earlier.quiz_id !== quizId || earlier.request_hash !== requestHash) {
    throw new PolymathError('invalid_request', 'This Idempotency-Key was used for a different request; use a new key for a new submission.', { param: 'Idempotency-Key', code: 'idempotency_key_reused' });
  }
  const body = { ...earlier.result };
  const next = body.next_lesson as { id: string; status: string } | undefined;
  if (next) {
    const lesson = await getLesson(deps.store.db, next.id);
    if (lesson) body.next_lesson = { id: next.id, status: lesson.status };
  }
  return { body, replayed: true };
}

/** The job that makes a submission's next lesson (for tests and diagnostics). */
export function nextLessonJob(deps: LearningDeps, submissionId: string) {
  return getJobByKey(deps.store.db, `${NEXT_LESSON_JOB}:${submissionId}`);
}
