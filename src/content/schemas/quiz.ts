import { z } from 'zod';
import { list, text } from './common.js';

export const multipleChoiceSchema = z.object({
  type: z.literal('multiple_choice'),
  question: text(),
  options: list(text(), 8),
  correct_index: z.number().int().min(0).max(7),
  explanation: text(),
});

/** Graded by its accepted answers, or by its rubric when no short list of answers fits. */
export const shortAnswerSchema = z.object({
  type: z.literal('short_answer'),
  question: text(),
  accepted_answers: z.array(text()).max(20),
  rubric: z.string(),
  explanation: text(),
});

export const quizQuestionSchema = z.discriminatedUnion('type', [multipleChoiceSchema, shortAnswerSchema]);

export const quizSchema = z.object({
  title: text(),
  questions: list(quizQuestionSchema, 50),
});
export type Quiz = z.infer<typeof quizSchema>;
export type QuizQuestion = z.infer<typeof quizQuestionSchema>;
