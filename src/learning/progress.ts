/** GET /v1/learners/:id/progress: mastery per concept, lessons completed, scores. */
import { averageScore, countLessons, getMastery, recentSubmissions } from '../store/learning/index.js';
import type { LearningDeps } from './deps.js';
import { requireLearner } from './learners.js';

const RECENT = 10;

export async function progressOf(deps: LearningDeps, learnerId: string) {
  await requireLearner(deps, learnerId);
  const db = deps.store.db;
  const threshold = deps.config().mastery_threshold;
  const [mastery, done, average, recent] = await Promise.all([getMastery(db, learnerId), countLessons(db, learnerId, 'done'), averageScore(db, learnerId), recentSubmissions(db, learnerId, RECENT)]);
  return {
    object: 'learner.progress',
    learner_id: learnerId,
    mastery_threshold: threshold,
    concepts: mastery.map((m) => ({
      concept: m.concept,
      mastery: m.mastery,
      attempts: m.attempts,
      correct: m.correct,
      last_seen: new Date(m.last_seen).toISOString(),
      needs_reinforcement: m.mastery < threshold,
    })),
    lessons_completed: done,
    average_score: average === null ? null : Math.round(average * 10) / 10,
    recent: recent.map((s) => ({
      submission_id: s.id,
      quiz_id: s.quiz_id,
      lesson_id: (s.result.lesson_id as string | undefined) ?? null,
      attempt: s.attempt,
      score: s.score,
      created_at: new Date(s.created_at).toISOString(),
    })),
  };
}
