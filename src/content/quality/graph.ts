/** Knowledge-graph checks: unique concepts, edges between existing concepts, no loops or repeats. */
import type { KnowledgeGraph } from '../schemas/knowledge-graph.js';
import { check, duplicates, type Check } from './types.js';

export function graphChecks(graph: KnowledgeGraph): Check[] {
  const ids = new Set(graph.concepts.map((c) => c.id));
  const dangling: string[] = [];
  const loops: string[] = [];
  graph.relations.forEach((r, i) => {
    const missing = [r.from, r.to].filter((id) => !ids.has(id));
    if (missing.length) dangling.push(`relation ${i + 1} (${r.from} → ${r.to}) names unknown concept ${missing.map((m) => `"${m}"`).join(' and ')}`);
    if (r.from === r.to) loops.push(`relation ${i + 1} joins "${r.from}" to itself`);
  });
  const dupEdges = duplicates(graph.relations, (r) => `${r.from}\u0000${r.to}\u0000${r.type}`);
  const dupIds = duplicates(graph.concepts, (c) => c.id);
  return [
    check('unique_concept_ids', dupIds.map((i) => `concept ${i} repeats the id "${graph.concepts[i - 1].id}"`)),
    check('edges_join_existing_concepts', dangling),
    check('no_self_loops', loops),
    check('no_duplicate_edges', dupEdges.map((i) => `relation ${i} repeats an earlier relation`)),
  ];
}
