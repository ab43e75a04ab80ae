import { z } from 'zod';
import { list, text } from './common.js';

export const RELATION_TYPES = ['prerequisite_of', 'part_of', 'example_of', 'related_to'] as const;

export const knowledgeGraphSchema = z.object({
  concepts: list(z.object({ id: text(), label: text(), description: text() }), 100),
  relations: z.array(z.object({ from: text(), to: text(), type: z.enum(RELATION_TYPES) })).max(300),
});
export type KnowledgeGraph = z.infer<typeof knowledgeGraphSchema>;
