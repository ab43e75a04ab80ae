/** What the API sends: records without answer keys, times as ISO strings. */
import type { FlashcardRecord, LessonRecord, QuizRecord } from '../store/learning/index.js';
import type { LearnerRecord } from '../store/learning/index.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function learnerView(l: LearnerRecord) {
  return { id: l.id, object: 'learner', name: l.name, persona: l.persona, subjects: l.subjects, created_at: iso(l.created_at), updated_at: iso(l.updated_at) };
}

/** The quiz as the learner sees it: no `correct_index`, no `accepted_answers`, no rubric. */
export function quizView(q: QuizRecord) {
  return {
    id: q.id,
    title: q.title,
    questions: q.questions.map((x) => ({ index: x.position, type: x.type, question: x.question, ...(x.options ? { options: x.options } : {}), concepts: x.concepts })),
  };
}

export function lessonView(l: LessonRecord, quiz: QuizRecord | undefined) {
  return {
    id: l.id,
    object: 'lesson',
    status: l.status,
    topic: l.topic,
    subject: l.subject,
    target_concepts: l.target_concepts,
    lesson: l.content,
    quiz: quiz ? quizView(quiz) : null,
    ...(l.source_submission_id ? { after_submission: l.source_submission_id } : {}),
    ...(l.error ? { error: l.error } : {}),
    created_at: iso(l.created_at),
    updated_at: iso(l.updated_at),
  };
}

const STATES = ['new', 'learning', 'review', 'relearning'] as const;

export function cardView(c: FlashcardRecord) {
  return {
    id: c.id,
    object: 'flashcard',
    front: c.front,
    back: c.back,
    lesson_id: c.lesson_id,
    topic: c.topic,
    due: iso(c.due),
    stability: c.stability,
    difficulty: c.difficulty,
    state: STATES[c.state] ?? 'new',
    reps: c.reps,
    lapses: c.lapses,
    last_review: iso(c.last_review),
  };
}
