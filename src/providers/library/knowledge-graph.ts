/**
 * A knowledge graph from WordNet's relations around the topic: a broader concept is a
 * prerequisite of the topic, kinds and instances are examples of it, parts and members are part
 * of it, and it is part of its wholes and groups; siblings and the subject area are related.
 */
import type { KnowledgeGraph } from '../../content/schemas/knowledge-graph.js';
import { RELATION_TYPES } from '../../content/schemas/knowledge-graph.js';
import type { BuildContext } from './context.js';
import { countFor, fitToLevel } from './level.js';
import { definitionText } from './text.js';
import type { Concept } from './topic.js';

type RelationType = (typeof RELATION_TYPES)[number];

export function buildKnowledgeGraph(ctx: BuildContext): KnowledgeGraph | undefined {
  const { topic, level } = ctx;
  const { main } = topic;
  const max = countFor(ctx.options, level, [5, 8, 12, 16], 40);
  /** [concept, relation from it to the topic or from the topic to it] */
  const edges: Array<readonly [Concept, RelationType, 'in' | 'out']> = [
    ...topic.broader.map((c) => [c, 'prerequisite_of', 'in'] as const),
    ...topic.parts.map((c) => [c, 'part_of', 'in'] as const),
    ...topic.kinds.map((c) => [c, 'example_of', 'in'] as const),
    ...topic.members.map((c) => [c, 'part_of', 'in'] as const),
    ...topic.partOf.map((c) => [c, 'part_of', 'out'] as const),
    ...topic.memberOf.map((c) => [c, 'part_of', 'out'] as const),
    ...topic.domain.map((c) => [c, 'related_to', 'out'] as const),
    ...topic.siblings.filter((c) => !c.instance).map((c) => [c, 'related_to', 'out'] as const),
  ];
  const ids = new Map<string, string>();
  const used = new Set<string>();
  const idOf = (c: Concept) => {
    let id = ids.get(c.key);
    if (id) return id;
    const base = slug(c.label) || 'concept';
    id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    ids.set(c.key, id);
    return id;
  };
  const nodes: Array<{ c: Concept; relation?: KnowledgeGraph['relations'][number] }> = [{ c: main }];
  const rootId = idOf(main);
  for (const [c, type, dir] of edges) {
    if (ids.has(c.key)) continue;
    const id = idOf(c);
    nodes.push({ c, relation: dir === 'in' ? { from: id, to: rootId, type } : { from: rootId, to: id, type } });
  }
  const asGraph = (kept: typeof nodes): KnowledgeGraph => ({
    concepts: kept.map(({ c }) => ({ id: idOf(c), label: c.label, description: definitionText(c, level) })),
    relations: kept.flatMap(({ relation }) => (relation ? [relation] : [])),
  });
  // a graph of one concept and no relations says nothing
  if (nodes.length < 2) return undefined;
  return fitToLevel(nodes, asGraph, level, { count: max, fixed: 1, min: 3 });
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}
