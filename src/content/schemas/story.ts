import { z } from 'zod';
import { list, text } from './common.js';

/** A children's story: the blueprint it was planned from, its characters, its chapters. */
export const storySchema = z.object({
  title: text(),
  blueprint: z.object({ theme: text(), setting: text(), moral: text(), plot: list(text(), 12) }),
  characters: list(z.object({ name: text(), description: text() }), 12),
  chapters: list(z.object({ title: text(), text: text() }), 12),
});
export type Story = z.infer<typeof storySchema>;
