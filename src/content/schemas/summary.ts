import { z } from 'zod';
import { text } from './common.js';

export const SUMMARY_FORMATS = ['bullets', 'paragraph', 'tldr'] as const;

/**
 * A summary of given text in one of three formats (`options.format`, default bullets): `bullets`
 * fills `bullets`, `paragraph` and `tldr` fill `text` (a tl;dr is one or two sentences).
 * The root stays an object so every provider's JSON-schema mode accepts it.
 */
export const summarySchema = z
  .object({
    title: text(),
    format: z.enum(SUMMARY_FORMATS),
    bullets: z.array(text()).max(20),
    text: z.string(),
  })
  .superRefine((s, ctx) => {
    if (s.format === 'bullets' && s.bullets.length === 0) ctx.addIssue({ code: 'custom', path: ['bullets'], message: 'a bullets summary needs at least one bullet' });
    if (s.format !== 'bullets' && s.text.trim() === '') ctx.addIssue({ code: 'custom', path: ['text'], message: `a ${s.format} summary needs its text` });
  });
export type Summary = z.infer<typeof summarySchema>;
