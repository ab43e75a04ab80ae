import { z } from 'zod';
import { list, text } from './common.js';

/** Feedback on a learner's answers (the request's `text`, or `options.answers`). */
export const feedbackSchema = z.object({
  overall: text(),
  what_was_right: z.array(text()).max(20),
  what_to_review: z.array(z.object({ point: text(), suggestion: text() })).max(20),
  encouragement: text(),
  next_steps: list(text(), 10),
});
export type Feedback = z.infer<typeof feedbackSchema>;
