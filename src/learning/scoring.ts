/**
 * Scores answers on the server against the stored answer key: multiple choice by the key's index,
 * short answer by the accepted answers compared in normalized form (case, accents, punctuation,
 * a leading article and a plural "s" do not matter).
 */
import type { QuestionRecord } from '../store/learning/index.js';
import { answerForm } from './text.js';

export interface QuestionResult {
  index: number;
  correct: boolean;
  correct_answer: string;
  explanation: string;
  /** "key": by the answer key; "model": by a model with the rubric */
  graded_by: 'key' | 'model';
}

export function scoreAnswer(q: QuestionRecord, answer: unknown): QuestionResult {
  const index = q.position;
  if (q.type === 'multiple_choice') {
    const key = q.answer_key.correct_index ?? -1;
    return { index, correct: answer === key, correct_answer: q.options?.[key] ?? '', explanation: q.explanation, graded_by: 'key' };
  }
  const accepted = q.answer_key.accepted_answers ?? [];
  const given = typeof answer === 'string' ? answerForm(answer) : '';
  const correct = given !== '' && accepted.some((a) => answerForm(a) === given);
  return { index, correct, correct_answer: accepted[0] ?? '', explanation: q.explanation, graded_by: 'key' };
}
