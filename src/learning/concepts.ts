/**
 * Concept tags for quiz questions. A question tests what its answer is: it is tagged with the
 * lesson's key terms (the topic among them) found in its right option or accepted answers; when
 * the answer names none, with those found in the question; when neither does, with the topic.
 * At most three; terms match as whole words, case and accents aside.
 */
import type { QuizQuestion } from '../content/index.js';
import { conceptName, normalize } from './text.js';

const MAX_CONCEPTS = 3;

export function conceptsOf(question: QuizQuestion, keyTerms: readonly string[], topic: string): string[] {
  const answers = question.type === 'multiple_choice' ? [question.options[question.correct_index] ?? ''] : question.accepted_answers;
  const inAnswer = termsIn(answers, keyTerms);
  if (inAnswer.length > 0) return inAnswer;
  const inQuestion = termsIn([question.question], keyTerms);
  return inQuestion.length > 0 ? inQuestion : [conceptName(topic)];
}

function termsIn(texts: readonly string[], keyTerms: readonly string[]): string[] {
  const haystack = ` ${texts.map(normalize).join(' | ')} `;
  const found: string[] = [];
  // Longer terms first, so "volcanic crater" is taken whole before "crater" alone.
  for (const term of [...keyTerms].sort((a, b) => b.length - a.length)) {
    const name = conceptName(term);
    if (!name || found.some((f) => f === name || ` ${f} `.includes(` ${name} `))) continue;
    if (haystack.includes(` ${name} `)) found.push(name);
    if (found.length === MAX_CONCEPTS) break;
  }
  return found;
}
