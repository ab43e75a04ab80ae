import { z } from 'zod';
import { text } from './common.js';

/** An explanation in markdown. */
export const explanationSchema = z.object({
  title: text(),
  markdown: text(),
});
export type Explanation = z.infer<typeof explanationSchema>;
