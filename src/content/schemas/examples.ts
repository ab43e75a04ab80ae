import { z } from 'zod';
import { list, text } from './common.js';

/** Worked examples: a problem, the steps to its answer, the answer. */
export const examplesSchema = z.object({
  title: text(),
  examples: list(z.object({ title: text(), problem: text(), steps: list(text(), 20), answer: text() }), 20),
});
export type Examples = z.infer<typeof examplesSchema>;
