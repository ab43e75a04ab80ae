/**
 * Makes a lesson and its quiz through the content engine, for one learner: personalized by their
 * persona and their mastery of the concept it aims at, with no question served to them within
 * the history window. The answer key stays in the returned records, for the store only.
 */
import type { Persona } from '../content/index.js';
import { generateContent, type Lesson, type QuizQuestion } from '../content/index.js';
import { PolymathError } from '../errors.js';
import { getMastery, recentQuestionHashes, type QuestionRecord, type QuizRecord } from '../store/learning/index.js';
import { conceptsOf } from './concepts.js';
import { nowOf, type LearningDeps } from './deps.js';
import { newId } from './ids.js';
import { conceptName, questionHash } from './text.js';

const DAY_MS = 86_400_000;

export interface MadeLesson {
  topic: string;
  content: Lesson;
  target_concepts: string[];
  quiz: QuizRecord;
}

/** The persona with a difficulty from mastery when the learner has not set one. */
export function personaFor(persona: Persona, mastery: number | undefined): Persona {
  if (persona.difficulty || mastery === undefined) return persona;
  return { ...persona, difficulty: mastery < 0.4 ? 'beginner' : mastery < 0.8 ? 'intermediate' : 'advanced' };
}

export async function makeLesson(deps: LearningDeps, learner: { id: string; persona: Persona }, topic: string, lessonId: string, signal: AbortSignal): Promise<MadeLesson> {
  const cfg = deps.config();
  const now = nowOf(deps);
  const concept = conceptName(topic);
  const mastery = (await getMastery(deps.store.db, learner.id)).find((m) => m.concept === concept)?.mastery;
  const persona = personaFor(learner.persona, mastery);
  const avoid = await recentQuestionHashes(deps.store.db, learner.id, now - cfg.history_window_days * DAY_MS);
  const ctx = { signal, requestId: lessonId };
  const options = { timeout_ms: cfg.generation_timeout_ms };
  // Ask for more questions than needed: some may have been served to this learner already.
  const [lesson, quiz] = await Promise.all([
    generateContent(deps.gateway, { kind: 'lesson', topic, persona, model: cfg.model, options }, ctx),
    generateContent(deps.gateway, { kind: 'quiz', topic, persona, model: cfg.model, options: { ...options, count: Math.min(30, cfg.quiz_questions * 2) } }, ctx),
  ]);
  const keyTerms = [topic, ...lesson.content.key_terms.map((k) => k.term)];
  const quizId = newId('quiz');
  const fresh = quiz.content.questions.filter((q) => !avoid.has(questionHash(q.question)));
  const seen = new Set<string>();
  const picked = fresh.filter((q) => {
    const h = questionHash(q.question);
    if (seen.has(h)) return false;
    seen.add(h);
    return true;
  }).slice(0, cfg.quiz_questions);
  if (picked.length === 0) {
    throw new PolymathError('conflict', `Every question the content engine wrote about "${topic}" was served to this learner within the last ${cfg.history_window_days} days.`, { code: 'no_new_questions', param: 'topic' });
  }
  return {
    topic,
    content: lesson.content,
    target_concepts: [concept],
    quiz: { id: quizId, lesson_id: lessonId, learner_id: learner.id, title: quiz.content.title, created_at: now, questions: picked.map((q, position) => questionRecord(q, quizId, position, keyTerms, topic)) },
  };
}

function questionRecord(q: QuizQuestion, quizId: string, position: number, keyTerms: string[], topic: string): QuestionRecord {
  return {
    id: newId('q'),
    quiz_id: quizId,
    position,
    type: q.type,
    question: q.question,
    options: q.type === 'multiple_choice' ? q.options : null,
    concepts: conceptsOf(q, keyTerms, topic),
    answer_key: q.type === 'multiple_choice' ? { correct_index: q.correct_index } : { accepted_answers: q.accepted_answers },
    rubric: q.type === 'short_answer' ? q.rubric : null,
    explanation: q.explanation,
    hash: questionHash(q.question),
  };
}
