/** The learning API's shapes, as the typed client returns them. */
import type { Feedback, Lesson, Persona } from '../content/index.js';

export interface NewLearner {
  id?: string;
  name?: string;
  persona: Persona;
  subjects?: string[];
}

export type LearnerPatch = Partial<Pick<NewLearner, 'persona' | 'subjects'>> & { name?: string | null };

export interface Learner {
  id: string;
  object: 'learner';
  name: string | null;
  persona: Persona;
  subjects: string[];
  created_at: string;
  updated_at: string;
}

export interface QuizQuestionView {
  index: number;
  type: 'multiple_choice' | 'short_answer';
  question: string;
  options?: string[];
  concepts: string[];
}

export interface LessonView {
  id: string;
  object: 'lesson';
  status: 'queued' | 'ready' | 'done' | 'failed';
  topic: string | null;
  subject: string | null;
  target_concepts: string[];
  lesson: Lesson | null;
  quiz: { id: string; title: string; questions: QuizQuestionView[] } | null;
  after_submission?: string;
  error?: string;
  created_at: string;
  updated_at: string;
}

export interface SubmissionResult {
  id: string;
  object: 'quiz.submission';
  quiz_id: string;
  lesson_id: string;
  learner_id: string;
  attempt: number;
  score: number;
  correct_count: number;
  total: number;
  results: Array<{ index: number; correct: boolean; correct_answer: string; explanation: string; graded_by: 'key' | 'model' }>;
  feedback: Feedback;
  /** "content": written by the content engine; "scores": composed from the scores */
  feedback_source: 'content' | 'scores';
  mastery: Array<{ concept: string; before: number; after: number }>;
  next_lesson: { id: string; status: LessonView['status'] };
  created_at: string;
}

export interface LearnerProgress {
  object: 'learner.progress';
  learner_id: string;
  mastery_threshold: number;
  concepts: Array<{ concept: string; mastery: number; attempts: number; correct: number; last_seen: string; needs_reinforcement: boolean }>;
  lessons_completed: number;
  average_score: number | null;
  recent: Array<{ submission_id: string; quiz_id: string; lesson_id: string | null; attempt: number; score: number; created_at: string }>;
}

export interface Flashcard {
  id: string;
  object: 'flashcard';
  front: string;
  back: string;
  lesson_id: string | null;
  topic: string | null;
  due: string;
  stability: number;
  difficulty: number;
  state: 'new' | 'learning' | 'review' | 'relearning';
  reps: number;
  lapses: number;
  last_review: string | null;
}

export type ReviewRating = 1 | 2 | 3 | 4 | 'again' | 'hard' | 'good' | 'easy';
