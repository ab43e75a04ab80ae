/** Lessons on request, and the learner's list of lessons. */
import { PolymathError } from '../errors.js';
import { getLesson, getMastery, getQuizOfLesson, insertReadyLesson, listLessons, type LessonRecord, type LessonStatus } from '../store/learning/index.js';
import { nowOf, type LearningDeps } from './deps.js';
import { newId } from './ids.js';
import { requireLearner } from './learners.js';
import { makeLesson } from './make-lesson.js';
import { createLessonSchema, parseBody } from './requests.js';
import { lessonView } from './views.js';

const STATUSES: readonly LessonStatus[] = ['queued', 'ready', 'done', 'failed'];

/**
 * POST /v1/learners/:id/lessons: on the given topic, else the learner's weakest concept, else
 * their subject (the one given, or their first).
 */
export async function createLesson(deps: LearningDeps, learnerId: string, body: unknown, signal: AbortSignal) {
  const b = parseBody(createLessonSchema, body ?? {});
  const learner = await requireLearner(deps, learnerId);
  const weakest = (await getMastery(deps.store.db, learnerId)).find((m) => m.mastery < deps.config().mastery_threshold)?.concept;
  const topic = b.topic ?? weakest ?? b.subject ?? learner.subjects[0];
  if (!topic) {
    throw new PolymathError('invalid_request', 'Give a "topic" (or a "subject"): this learner has no subjects and no concept to reinforce yet.', { param: 'topic', code: 'missing_topic' });
  }
  const id = newId('les');
  const made = await makeLesson(deps, learner, topic, id, signal);
  const now = nowOf(deps);
  const lesson: LessonRecord = {
    id,
    learner_id: learnerId,
    status: 'ready',
    topic: made.topic,
    subject: b.subject ?? null,
    content: made.content,
    target_concepts: made.target_concepts,
    source_submission_id: null,
    error: null,
    created_at: now,
    updated_at: now,
  };
  await insertReadyLesson(deps.store.db, lesson, made.quiz, now);
  return lessonView(lesson, made.quiz);
}

export async function showLesson(deps: LearningDeps, learnerId: string, lessonId: string) {
  const lesson = await getLesson(deps.store.db, lessonId);
  if (!lesson || lesson.learner_id !== learnerId) throw new PolymathError('not_found', `No lesson "${lessonId}" for learner "${learnerId}".`, { code: 'lesson_not_found' });
  return lessonView(lesson, await getQuizOfLesson(deps.store.db, lessonId));
}

export async function lessonsOf(deps: LearningDeps, learnerId: string, status: string | undefined, limit = 50) {
  if (status !== undefined && !STATUSES.includes(status as LessonStatus)) {
    throw new PolymathError('invalid_request', `status must be one of ${STATUSES.join(', ')}.`, { param: 'status', code: 'invalid_value' });
  }
  await requireLearner(deps, learnerId);
  const lessons = await listLessons(deps.store.db, learnerId, status as LessonStatus | undefined, limit);
  const data = [];
  for (const l of lessons) data.push(lessonView(l, l.status === 'queued' || l.status === 'failed' ? undefined : await getQuizOfLesson(deps.store.db, l.id)));
  return { object: 'list', data };
}
