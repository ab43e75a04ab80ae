/**
 * Fitting content to the learner: how many items a grade gets, and keeping the Flesch–Kincaid
 * grade of the whole within the pedagogy check's tolerance by swapping out the hardest items.
 * The reading grade is the content checks' own measure, so what is fitted here is what is checked.
 */
import { gradeOf, personaSchema } from '../../content/persona.js';
import { GRADE_TOLERANCE, proseOf, readingGrade } from '../../content/quality/reading-level.js';
import type { Level } from './text.js';

/** The learner's level from an intent's persona; an invalid persona counts as unknown. */
export function levelOf(persona: unknown): Level {
  const parsed = personaSchema.safeParse(persona ?? {});
  return parsed.success ? gradeOf(parsed.data) : undefined;
}

/** Item counts by level: [kindergarten-2, 3-5, 6-8, 9-12 and adults]. */
export type CountsByLevel = readonly [number, number, number, number];

/** `options.count` when it is a whole number (clamped to 1..max), else the level's default. */
export function countFor(options: Record<string, unknown> | undefined, level: Level, defaults: CountsByLevel, max: number): number {
  const asked = options?.count;
  if (typeof asked === 'number' && Number.isInteger(asked)) return Math.max(1, Math.min(max, asked));
  if (typeof level !== 'number') return defaults[3];
  return defaults[level <= 2 ? 0 : level <= 5 ? 1 : level <= 8 ? 2 : 3];
}

function gradeOfValue(value: unknown): number {
  return readingGrade(proseOf(value)).grade;
}

/** how many harder candidates are tried for one swap (each try measures the whole content) */
const MAX_TRIES = 4;

export interface Fit<I = unknown> {
  /** how many candidates to take */
  count: number;
  /** the first `fixed` items (a lesson's definition) are never replaced or dropped */
  fixed?: number;
  /** never fewer items than this (or than `count`, when it is smaller) */
  min?: number;
  /** what an item asks: items asking the same thing are alternatives, and at most one is kept */
  asks?: (item: I) => string | undefined;
}

/**
 * Takes the first `count` candidates (one of each set of alternatives, see `asks`) and, while
 * `make(kept)` reads above the learner's grade plus the tolerance (less a small margin), replaces
 * the hardest kept item with the next easier unused candidate that makes the whole easier, or else
 * drops the item whose loss helps most, while more than `min` remain. What still reads too hard is
 * returned as it is: the content's quality report says so. Content more than the tolerance below
 * the grade swaps its easiest items for harder unused ones that keep it within the upper limit.
 * Adults and unknown levels keep the first `count` as they are.
 */
export function fitToLevel<I, C>(candidates: readonly I[], make: (items: I[]) => C, level: Level, fit: Fit<I>): C {
  const { count, fixed = 0 } = fit;
  const min = Math.max(1, fixed, Math.min(count, fit.min ?? 1));
  const asks = fit.asks ?? (() => undefined);
  /** whether `item` asks what a kept item (other than the one at `except`) already asks */
  const clash = (item: I, except = -1) => {
    const a = asks(item);
    return a !== undefined && kept.some((x, i) => i !== except && asks(x) === a);
  };
  const kept: I[] = [];
  const pool: I[] = [];
  for (const c of candidates) (kept.length < count && !clash(c) ? kept : pool).push(c);
  if (typeof level !== 'number') return make(kept);
  const limit = level + GRADE_TOLERANCE - 0.5;
  const itemGrade = new Map<I, number>();
  const gradeOfItem = (item: I) => {
    let g = itemGrade.get(item);
    if (g === undefined) itemGrade.set(item, (g = gradeOfValue(item)));
    return g;
  };
  const total = (items: I[]) => gradeOfValue(make(items));
  let current = total(kept);
  while (current > limit) {
    let worst = -1;
    kept.forEach((item, i) => {
      if (i >= fixed && (worst < 0 || gradeOfItem(item) > gradeOfItem(kept[worst]))) worst = i;
    });
    if (worst < 0) break;
    // the next easier unused candidates in their order, then dropping an item: the first change
    // that makes the whole read easier (dropping the hardest item can make it harder, when what
    // stays is the topic's own long words)
    let best: { items: I[]; grade: number; from?: number } | undefined;
    const easier = pool.flatMap((item, at) => (gradeOfItem(item) < gradeOfItem(kept[worst]) && !clash(item, worst) ? [at] : [])).slice(0, MAX_TRIES);
    for (const at of easier) {
      const items = kept.with(worst, pool[at]);
      const grade = total(items);
      if (grade < current) {
        best = { items, grade, from: at };
        break;
      }
    }
    if (!best && kept.length > min) {
      for (let i = fixed; i < kept.length; i++) {
        const items = kept.filter((_, j) => j !== i);
        const grade = total(items);
        if (grade < (best?.grade ?? current)) best = { items, grade };
      }
    }
    if (!best) break;
    if (best.from !== undefined) pool.splice(best.from, 1);
    kept.splice(0, kept.length, ...best.items);
    current = best.grade;
  }
  // Far below the learner's grade: swap the easiest kept item for a harder unused one, as long as
  // the whole stays within the upper limit.
  const floor = level - GRADE_TOLERANCE + 0.5;
  for (let swaps = 0; swaps < count && total(kept) < floor; swaps++) {
    let easiest = -1;
    kept.forEach((item, i) => {
      if (i >= fixed && (easiest < 0 || gradeOfItem(item) < gradeOfItem(kept[easiest]))) easiest = i;
    });
    if (easiest < 0) break;
    const was = kept[easiest];
    const harder = pool
      .map((item, at) => ({ item, at }))
      .filter(({ item }) => gradeOfItem(item) > gradeOfItem(was) && !clash(item, easiest))
      .sort((a, b) => gradeOfItem(b.item) - gradeOfItem(a.item))
      .slice(0, MAX_TRIES)
      .find(({ item }) => {
        kept[easiest] = item;
        const fits = total(kept) <= limit;
        kept[easiest] = was;
        return fits;
      });
    if (!harder) break;
    kept[easiest] = harder.item;
    pool.splice(harder.at, 1);
  }
  return make(kept);
}
