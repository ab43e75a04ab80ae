/**
 * Challenges a validator sends: content tasks (a kind, a K-12 topic, a persona), chat tasks, and
 * canaries whose answer is known (a code the miner must repeat). Every miner of a round gets the
 * same task, so answers can be compared with each other.
 */
import { makeCanary } from '../integrity/index.js';

export const CONTENT_KINDS = ['lesson', 'quiz', 'explanation', 'flashcards'] as const;

export const K12_TOPICS = [
  'photosynthesis', 'volcanoes', 'fractions', 'the water cycle', 'the solar system', 'multiplication', 'the American Revolution', 'ecosystems',
  'states of matter', 'the human heart', 'plate tectonics', 'ancient Egypt', 'electric circuits', 'weather and climate', 'the food chain',
  'simple machines', 'the Roman Empire', 'magnetism', 'decimals', 'the moon phases', 'cells', 'gravity', 'rivers', 'dinosaurs',
];

export type Task =
  | { type: 'content'; kind: (typeof CONTENT_KINDS)[number]; topic: string; persona: { grade: number } }
  | { type: 'chat'; prompt: string; topic: string }
  | { type: 'canary'; prompt: string; expect: string };

export interface TaskShares {
  content: number;
  chat: number;
  canary: number;
}

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length) % items.length];

export function pickTask(shares: TaskShares, random: () => number = Math.random, kinds: readonly (typeof CONTENT_KINDS)[number][] = CONTENT_KINDS): Task {
  const total = shares.content + shares.chat + shares.canary;
  const r = random() * total;
  if (r < shares.content) return { type: 'content', kind: pick(kinds, random), topic: pick(K12_TOPICS, random), persona: { grade: 1 + Math.floor(random() * 12) } };
  if (r < shares.content + shares.chat) {
    const topic = pick(K12_TOPICS, random);
    return { type: 'chat', topic, prompt: `Explain ${topic} to a student in a few sentences.` };
  }
  return { type: 'canary', ...makeCanary() };
}
