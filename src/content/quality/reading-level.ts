/**
 * Reading level: the Flesch–Kincaid grade of the learner-facing text, within two grades of a K-12
 * persona's grade. Text harder than that is an error (regenerate); easier is a warning.
 * English only (syllable counting is English); short texts are too noisy to judge.
 */
import { fleschKincaid } from 'flesch-kincaid';
import { syllable } from 'syllable';
import { gradeOf, type Persona } from '../persona.js';
import type { Check } from './types.js';

/** fields that are identifiers or codes, not prose */
const NOT_PROSE = new Set(['id', 'type', 'format', 'from', 'to', 'correct_index']);
const MIN_WORDS = 30;
export const GRADE_TOLERANCE = 2;

/** Every prose string in the content, in order. */
export function proseOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) proseOf(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (!NOT_PROSE.has(k)) proseOf(v, out);
  }
  return out;
}

/** Flesch–Kincaid grade of the text; every string counts as at least one sentence (titles, options). */
export function readingGrade(strings: readonly string[]): { grade: number; words: number } {
  let sentences = 0;
  let words = 0;
  let syllables = 0;
  for (const s of strings) {
    const c = countsOf(s);
    sentences += c.sentences;
    words += c.words;
    syllables += c.syllables;
  }
  if (words === 0) return { grade: 0, words: 0 };
  return { grade: fleschKincaid({ sentence: sentences, word: words, syllable: syllables }), words };
}

interface Counts {
  sentences: number;
  words: number;
  syllables: number;
}

/** Counts per string, remembered: builders measure the same strings many times while fitting. */
const counted = new Map<string, Counts>();
const MAX_COUNTED = 20_000;
const MAX_COUNTED_LENGTH = 2_000;

function countsOf(s: string): Counts {
  const hit = counted.get(s);
  if (hit) return hit;
  const ws = s.replace(/[#*_`>|[\]()]/g, ' ').match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
  const c: Counts =
    ws.length === 0
      ? { sentences: 0, words: 0, syllables: 0 }
      : { sentences: Math.max(1, (s.match(/[.!?]+(?=\s|$)/g) ?? []).length), words: ws.length, syllables: ws.reduce((n, w) => n + Math.max(1, syllable(w)), 0) };
  if (s.length <= MAX_COUNTED_LENGTH) {
    // bounded: the oldest entry goes first
    if (counted.size >= MAX_COUNTED) counted.delete(counted.keys().next().value!);
    counted.set(s, c);
  }
  return c;
}

export function readingLevelCheck(content: unknown, persona: Persona | undefined): Check | undefined {
  const target = gradeOf(persona);
  if (target === undefined || target === 'adult') return undefined;
  const lang = persona?.language ?? 'en';
  if (!/^en\b/i.test(lang)) return undefined;
  const { grade, words } = readingGrade(proseOf(content));
  const shown = Math.round(grade * 10) / 10;
  if (words < MIN_WORDS) return { name: 'reading_level', passed: true, severity: 'warning', detail: `only ${words} words: too short to judge (grade ${shown})` };
  if (grade > target + GRADE_TOLERANCE) {
    return { name: 'reading_level', passed: false, severity: 'error', detail: `reads at grade ${shown}, more than ${GRADE_TOLERANCE} above the learner's grade ${target}: use shorter sentences and simpler words` };
  }
  if (grade < target - GRADE_TOLERANCE) {
    return { name: 'reading_level', passed: false, severity: 'warning', detail: `reads at grade ${shown}, more than ${GRADE_TOLERANCE} below the learner's grade ${target}` };
  }
  return { name: 'reading_level', passed: true, severity: 'error', detail: `grade ${shown}` };
}
