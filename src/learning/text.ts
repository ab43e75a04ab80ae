/** Normalizing text for comparison: answers, concept names, question hashes. */
import { createHash } from 'node:crypto';

/** Lower case, no accents, no punctuation, single spaces. */
export function normalize(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** An answer's comparable form: normalized, without a leading article or a plural "s". */
export function answerForm(text: string): string {
  return normalize(text)
    .replace(/^(a|an|the)\s+/, '')
    .split(' ')
    .map((w) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w))
    .join(' ');
}

/** A concept's name as stored: normalized, at most 100 characters. */
export function conceptName(text: string): string {
  return normalize(text).slice(0, 100);
}

/** The hash questions_history keeps: sha-256 of the normalized question text. */
export function questionHash(question: string): string {
  return createHash('sha256').update(normalize(question)).digest('hex');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
