/**
 * The next-lesson job: fills the lesson a submission queued, aimed at the learner's weakest
 * concept. Topics are tried in order until one gives questions the learner has not been served:
 * concepts below the mastery threshold (weakest first), then the finished lesson's key terms the
 * learner has not met, then their subjects, then the finished lesson's topic.
 */
import type { Persona } from '../content/index.js';
import { PolymathError } from '../errors.js';
import { failQueuedLesson, fillQueuedLesson, getLesson, getMastery, getQuiz, type LearnerRecord } from '../store/learning/index.js';
import { nowOf, type LearningDeps } from './deps.js';
import { requireLearner } from './learners.js';
import { makeLesson, type MadeLesson } from './make-lesson.js';
import { conceptName } from './text.js';

const MAX_TOPICS_TRIED = 4;

export interface NextLessonPayload {
  lesson_id: string;
  learner_id: string;
  submission_id: string;
  quiz_id: string;
}

/** Runs the job; 'made' when this run filled the lesson, 'already' when it was filled before. */
export async function runNextLesson(deps: LearningDeps, payload: NextLessonPayload, signal: AbortSignal): Promise<'made' | 'already'> {
  const db = deps.store.db;
  const lesson = await getLesson(db, payload.lesson_id);
  if (!lesson) throw new PolymathError('not_found', `the queued lesson ${payload.lesson_id} does not exist`);
  if (lesson.status !== 'queued') return 'already';
  const learner = await requireLearner(deps, payload.learner_id);
  const tried: string[] = [];
  let lastError: PolymathError | undefined;
  let made: MadeLesson | undefined;
  for (const topic of (await topicCandidates(deps, learner, payload.quiz_id)).slice(0, MAX_TOPICS_TRIED)) {
    tried.push(topic);
    try {
      made = await makeLesson(deps, { id: learner.id, persona: learner.persona as Persona }, topic, lesson.id, signal);
      break;
    } catch (err) {
      // A topic the content engine knows nothing about, cannot write valid content on for this
      // learner, or with nothing new to ask: try the next. Anything else (an outage) is retried.
      if (err instanceof PolymathError && (err.details.code === 'no_new_questions' || err.kind === 'not_found' || err.kind === 'invalid_output')) {
        lastError = err;
        continue;
      }
      throw err;
    }
  }
  if (!made) throw new PolymathError('invalid_output', `no topic gave a lesson with questions this learner has not seen (tried: ${tried.join(', ') || 'none'}; last: ${lastError?.message ?? 'no topic to try'})`, { code: 'no_new_questions' });
  const filled = await fillQueuedLesson(db, lesson.id, { topic: made.topic, content: made.content, target_concepts: made.target_concepts }, made.quiz, nowOf(deps));
  return filled ? 'made' : 'already';
}

export async function topicCandidates(deps: LearningDeps, learner: LearnerRecord, quizId: string): Promise<string[]> {
  const db = deps.store.db;
  const mastery = await getMastery(db, learner.id);
  const known = new Set(mastery.map((m) => m.concept));
  const threshold = deps.config().mastery_threshold;
  const weak = mastery.filter((m) => m.mastery < threshold).sort((a, b) => a.mastery - b.mastery || a.last_seen - b.last_seen).map((m) => m.concept);
  const quiz = await getQuiz(db, quizId);
  const finished = quiz ? await getLesson(db, quiz.lesson_id) : undefined;
  const keyTerms = ((finished?.content?.key_terms as Array<{ term: string }> | undefined) ?? []).map((k) => conceptName(k.term)).filter((t) => t && !known.has(t));
  const out = [...weak, ...keyTerms, ...learner.subjects, ...(finished?.topic ? [finished.topic] : [])];
  return [...new Set(out)];
}

/** The lesson a job was filling is marked failed with the job's last error. */
export async function markNextLessonFailed(deps: LearningDeps, payload: Record<string, unknown>, error: string): Promise<void> {
  if (typeof payload.lesson_id === 'string') await failQueuedLesson(deps.store.db, payload.lesson_id, error, nowOf(deps));
}
