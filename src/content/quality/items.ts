/** Checks for kinds that are lists of items: none empty, none repeated, solutions present. */
import type { Exercises } from '../schemas/exercises.js';
import type { Flashcards } from '../schemas/flashcards.js';
import type { Outline } from '../schemas/outline.js';
import { check, duplicates, type Check } from './types.js';

function itemChecks<T>(noun: string, items: readonly T[], fields: Array<keyof T & string>, key: (item: T) => string): Check[] {
  const empty: string[] = [];
  items.forEach((item, i) => {
    for (const f of fields) {
      const v = item[f];
      if (typeof v === 'string' && v.trim() === '') empty.push(`${noun} ${i + 1} has an empty ${f}`);
    }
  });
  return [
    check('no_empty_items', empty),
    check('no_duplicate_items', duplicates(items, key).map((i) => `${noun} ${i} repeats an earlier ${noun}`)),
  ];
}

export const flashcardChecks = (c: Flashcards): Check[] => itemChecks('card', c.cards, ['front', 'back'], (x) => x.front);

export const outlineChecks = (c: Outline): Check[] => itemChecks('section', c.sections, ['title', 'summary'], (x) => x.title);

export function exerciseChecks(c: Exercises): Check[] {
  const missing = c.exercises.flatMap((e, i) => (e.solution.trim() === '' ? [`exercise ${i + 1} has no solution`] : []));
  return [...itemChecks('exercise', c.exercises, ['prompt'], (x) => x.prompt), check('solutions_present', missing)];
}
