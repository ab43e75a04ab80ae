/** Small text helpers for writing WordNet facts as plain sentences for a learner. */
import { readingGrade } from '../../content/quality/reading-level.js';
import type { Concept } from './topic.js';

/** The learner's school grade (0-12), 'adult', or undefined when unknown. */
export type Level = number | 'adult' | undefined;

/**
 * The definition as one phrase. School learners get the gloss without parentheses, later `;`
 * clauses or taxonomy (see simplify.ts); up to grade 6 only its head, the short gloss, whose other
 * clauses follow as sentences of their own. Adults get the whole gloss.
 */
export function definitionFor(c: Concept, level: Level): string {
  const full = c.definition.trim() || `a ${c.label}`;
  if (typeof level !== 'number') return full;
  return (splitsGloss(c, level) ? c.plain.head : c.plain.whole) || full;
}

/** The definition as whole sentences: for school learners its head, then the rest of the gloss in short sentences. */
export function definitionText(c: Concept, level: Level): string {
  return [sentence(definitionFor(c, level)), ...more(c, level)].join(' ');
}

/**
 * "X is <definition>." For school learners the rest of the gloss follows in short sentences
 * ("A democracy is a political system. In it, the supreme power lies…"), which keeps sentences
 * short (the reading level counts words per sentence).
 */
export function statement(c: Concept, level: Level, who = subject(c), verb = 'is'): string {
  return [sentence(`${who} ${verb ? `${verb} ` : ''}${definitionFor(c, level)}`), ...more(c, level)].join(' ');
}

/**
 * A claim about a concept with its definition: "Galvanism is a kind of electricity. It is
 * electricity produced by chemical action." for school learners, one sentence with a colon for adults.
 */
export function claimWithDefinition(claim: string, c: Concept, level: Level): string {
  if (typeof level !== 'number') return sentence(`${claim}: ${definitionFor(c, level)}`);
  return `${sentence(claim)} ${statement(c, level, 'It')}`;
}

/** A question asking for the word a definition defines. */
export function whichWordMeans(c: Concept, level: Level, which = 'Which'): string {
  if (more(c, level).length === 0) return `${which} word means ${quoted(definitionFor(c, level))}?`;
  return `${which} word means this? ${quoted(definitionText(c, level))}`;
}

/**
 * Reading grades of a label with its definition text, kept while the gloss is (it is cached per
 * synset), by label and by whether the gloss is split: the text depends on nothing else.
 */
const conceptGrades = new WeakMap<object, Map<string, number>>();
function gradeOfConcept(c: Concept, level: Level): number {
  let byText = conceptGrades.get(c.plain);
  if (!byText) conceptGrades.set(c.plain, (byText = new Map()));
  const key = `${splitsGloss(c, level) ? 'split' : 'whole'}\u0000${c.label}`;
  let g = byText.get(key);
  if (g === undefined) byText.set(key, (g = readingGrade([c.label, definitionText(c, level)]).grade));
  return g;
}

/**
 * The gloss's example sentences to show: for school learners only those within two grades of
 * theirs, easiest first, one below grade 6; two for everyone else.
 */
export function easyExamples(c: Concept, level: Level): string[] {
  if (typeof level !== 'number') return c.examples.slice(0, 2);
  return c.examples
    .map((e) => ({ e, g: readingGrade([e]).grade }))
    .filter((x) => x.g <= level + 2)
    .sort((a, b) => a.g - b.g)
    .slice(0, level <= 5 ? 1 : 2)
    .map((x) => x.e);
}

function more(c: Concept, level: Level): string[] {
  return splitsGloss(c, level) ? c.plain.more : [];
}

/** Up to grade 6 a gloss is split into short sentences; older learners read it whole unless it is long. */
function splitsGloss(c: Concept, level: Level): level is number {
  if (typeof level !== 'number') return false;
  return level <= SPLIT_UP_TO_GRADE || c.plain.whole.split(' ').length > LONG_GLOSS_WORDS;
}
const SPLIT_UP_TO_GRADE = 6;
const LONG_GLOSS_WORDS = 14;

/** School learners: the concepts whose definitions read easiest first (stable); others as they are. */
export function easiestFirst(concepts: readonly Concept[], level: Level): Concept[] {
  if (typeof level !== 'number') return [...concepts];
  const graded = concepts.map((c, i) => ({ c, i, g: gradeOfConcept(c, level) }));
  return graded.sort((a, b) => a.g - b.g || a.i - b.i).map((x) => x.c);
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A capitalized sentence ending with a full stop. */
export function sentence(s: string): string {
  const t = capitalize(s.trim());
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

export function indefinite(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

/** True when a concept reads as a countable thing ("a volcano") rather than a mass or process ("photosynthesis"). */
export function countable(c: Concept): boolean {
  if (c.instance || c.mass || /^[A-Z]/.test(c.label)) return false;
  return /^(a|an|any|one)\s/i.test(c.definition.trim());
}

/** "a volcano", "photosynthesis", "Etna". */
export function named(c: Concept): string {
  return countable(c) ? `${indefinite(c.label)} ${c.label}` : c.label;
}

/** "X is …" as the start of a sentence: "A volcano", "Photosynthesis". */
export function subject(c: Concept): string {
  return capitalize(named(c));
}

/** "a, b and c" (or "a, b or c") */
export function listPhrase(items: readonly string[], conjunction: 'and' | 'or' = 'and'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

/** A quoted definition for a question: “a mountain formed by volcanic material”. */
export function quoted(s: string): string {
  return `“${s}”`;
}

/** FNV-1a: a small stable hash, so choices that look varied are the same for the same input. */
export function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Text compared for sameness: case and spacing do not count. */
export function same(a: string, b: string): boolean {
  return norm(a) === norm(b);
}

export function norm(s: string): string {
  return s.toLowerCase().replace(/[\s_-]+/g, ' ').trim();
}

/** Concepts whose labels differ from each other and from `exclude`, in order. */
export function distinctLabels(concepts: readonly Concept[], exclude: readonly string[] = []): Concept[] {
  const seen = new Set(exclude.map(norm));
  const out: Concept[] = [];
  for (const c of concepts) {
    const k = norm(c.label);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(c);
  }
  return out;
}
