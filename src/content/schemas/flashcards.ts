import { z } from 'zod';
import { list, text } from './common.js';

export const flashcardsSchema = z.object({
  cards: list(z.object({ front: text(), back: text() }), 100),
});
export type Flashcards = z.infer<typeof flashcardsSchema>;
