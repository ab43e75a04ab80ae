import { z } from 'zod';
import { list, text } from './common.js';

/** A learning path: sections in the order a learner should take them. */
export const outlineSchema = z.object({
  title: text(),
  sections: list(z.object({ title: text(), summary: text(), objectives: list(text(), 10) }), 30),
});
export type Outline = z.infer<typeof outlineSchema>;
