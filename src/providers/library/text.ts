/** Small text helpers for writing WordNet facts as plain sentences for a learner. */
import type { Concept } from './topic.js';

/** The learner's school grade (0-12), 'adult', or undefined when unknown. */
export type Level = number | 'adult' | undefined;

/**
 * A gloss made easier for school learners: parentheses ("(biology)", "(as in monads)") and every
 * clause after the first `;` are dropped. Adults get the whole gloss.
 */
export function definitionFor(c: Concept, level: Level): string {
  const full = c.definition.trim() || `a ${c.label}`;
  if (typeof level !== 'number') return full;
  const simple = full
    .replace(/\s*\([^()]*\)/g, '')
    .split(';')[0]
    .replace(/\s+/g, ' ')
    .trim();
  return simple || full;
}

/**
 * "X is <definition>." as one or two sentences. For school learners a relative clause with a
 * preposition is split off: "A democracy is a political system. In it, the supreme power lies…",
 * which keeps sentences short (the reading level counts words per sentence).
 */
export function statement(c: Concept, level: Level, who = subject(c)): string {
  const def = definitionFor(c, level);
  const split = typeof level === 'number' ? /^(.{8,}?)\s+(in|through|by|on|at|with|from|under|into|for) which\s+(.{8,})$/.exec(def) : null;
  if (!split) return sentence(`${who} is ${def}`);
  return `${sentence(`${who} is ${split[1]}`)} ${sentence(`${capitalize(split[2])} it, ${split[3]}`)}`;
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
  if (c.instance || /^[A-Z]/.test(c.label)) return false;
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
