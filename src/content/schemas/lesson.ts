import { z } from 'zod';
import { list, text } from './common.js';

export const lessonSchema = z.object({
  title: text(),
  objectives: list(text(), 12),
  sections: list(z.object({ heading: text(), body: text() }), 20),
  key_terms: z.array(z.object({ term: text(), definition: text() })).max(30),
  check_for_understanding: list(text(), 12),
});
export type Lesson = z.infer<typeof lessonSchema>;
