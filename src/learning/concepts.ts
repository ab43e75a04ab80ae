/**
 * Concept tags for quiz questions. A question is tagged with the lesson's key terms it is about
 * (the term appears in the question, its right option or its accepted answers), at most three;
 * a question that names none is tagged with the lesson's topic.
 */
import type { QuizQuestion } from '../content/index.js';
import { conceptName, normalize } from './text.js';

const MAX_CONCEPTS = 3;

export function conceptsOf(question: QuizQuestion, keyTerms: readonly string[], topic: string): string[] {
  const about = [question.question, ...(question.type === 'multiple_choice' ? [question.options[question.correct_index] ?? ''] : question.accepted_answers)];
  const haystack = ` ${about.map(normalize).join(' | ')} `;
  const found: string[] = [];
  // Longer terms first, so "volcanic crater" is found before "crater" would be.
  for (const term of [...keyTerms].sort((a, b) => b.length - a.length)) {
    const name = conceptName(term);
    if (!name || found.includes(name)) continue;
    if (haystack.includes(` ${name} `) && !found.some((f) => f.includes(name))) found.push(name);
    if (found.length === MAX_CONCEPTS) break;
  }
  return found.length > 0 ? found : [conceptName(topic)];
}
