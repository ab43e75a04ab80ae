/** Quiz checks: a sound answer key, enough distinct options, an explanation for every question. */
import type { Quiz } from '../schemas/quiz.js';
import { check, duplicates, normalize, type Check } from './types.js';

const ALL_NONE = /\b(all|none|both|neither) of the (above|options|answers)\b/i;

export function quizChecks(quiz: Quiz): Check[] {
  const oneCorrect: string[] = [];
  const keyAmong: string[] = [];
  const threeOptions: string[] = [];
  const dupOptions: string[] = [];
  const allNone: string[] = [];
  const explanations: string[] = [];
  const gradable: string[] = [];
  let mc = 0;
  let keyLongest = 0;

  quiz.questions.forEach((q, i) => {
    const n = `question ${i + 1}`;
    if (q.explanation.trim() === '') explanations.push(`${n} has no explanation`);
    if (q.type === 'short_answer') {
      if (q.accepted_answers.every((a) => a.trim() === '') && q.rubric.trim() === '') gradable.push(`${n} has neither accepted answers nor a rubric`);
      return;
    }
    mc++;
    const key = q.options[q.correct_index];
    // a key that is not a whole number is a schema error (this runs on salvaged answers too)
    if (!Number.isInteger(q.correct_index)) {
      // nothing to check against the options
    } else if (key === undefined) {
      keyAmong.push(`${n}: correct_index ${q.correct_index} is not among its ${q.options.length} options`);
    } else {
      const same = q.options.filter((o) => normalize(o) === normalize(key)).length;
      if (same > 1) oneCorrect.push(`${n}: the correct answer "${key}" appears ${same} times, so more than one option is correct`);
      const longest = Math.max(...q.options.map((o) => o.trim().length));
      if (key.trim().length === longest && q.options.filter((o) => o.trim().length === longest).length === 1) keyLongest++;
    }
    if (q.options.length < 3) threeOptions.push(`${n} has ${q.options.length} options`);
    const dups = duplicates(q.options, (o) => o);
    if (dups.length) dupOptions.push(`${n}: option ${dups.join(', ')} repeats an earlier option`);
    const empty = q.options.findIndex((o) => o.trim() === '');
    if (empty !== -1) dupOptions.push(`${n}: option ${empty + 1} is empty`);
    const bad = q.options.find((o) => ALL_NONE.test(o));
    if (bad) allNone.push(`${n}: "${bad}"`);
  });

  const checks = [
    check('one_correct_option', oneCorrect),
    check('key_among_options', keyAmong),
    check('at_least_three_options', threeOptions),
    check('no_duplicate_options', dupOptions),
    check('no_all_or_none_of_the_above', allNone),
    check('explanation_per_question', explanations),
    check('short_answer_gradable', gradable),
  ];
  const longestTooOften = mc >= 2 && keyLongest > mc / 2;
  checks.push(check('correct_option_not_longest', longestTooOften ? [`the correct option is the longest in ${keyLongest} of ${mc} multiple-choice questions, a cue test-takers learn`] : [], 'warning'));
  return checks;
}
