import { z } from 'zod';
import { list, text } from './common.js';

/** Practice exercises, each with its worked solution. */
export const exercisesSchema = z.object({
  title: text(),
  exercises: list(z.object({ prompt: text(), hints: z.array(text()).max(5), solution: text() }), 30),
});
export type Exercises = z.infer<typeof exercisesSchema>;
