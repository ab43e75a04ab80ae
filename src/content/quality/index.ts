/**
 * Pedagogy checks: `checkContent(kind, content, persona)` runs the checks that apply to the kind
 * (quiz key and options, graph edges, list items) and the reading level for K-12 learners.
 * A failed `error` check fails the report; the generator treats that like a schema failure.
 */
import type { Persona } from '../persona.js';
import type { ContentOf, Kind } from '../schemas/index.js';
import { graphChecks } from './graph.js';
import { exerciseChecks, flashcardChecks, outlineChecks } from './items.js';
import { quizChecks } from './quiz.js';
import { readingLevelCheck } from './reading-level.js';
import type { Check, QualityReport } from './types.js';

export type { Check, QualityReport } from './types.js';
export { readingGrade, proseOf } from './reading-level.js';

export function checkContent<K extends Kind>(kind: K, content: ContentOf<K>, persona?: Persona): QualityReport {
  const checks: Check[] = [...kindChecks(kind, content)];
  const reading = readingLevelCheck(content, persona);
  if (reading) checks.push(reading);
  return { passed: checks.every((c) => c.passed || c.severity !== 'error'), checks };
}

function kindChecks(kind: Kind, content: unknown): Check[] {
  switch (kind) {
    case 'quiz':
      return quizChecks(content as ContentOf<'quiz'>);
    case 'knowledge_graph':
      return graphChecks(content as ContentOf<'knowledge_graph'>);
    case 'flashcards':
      return flashcardChecks(content as ContentOf<'flashcards'>);
    case 'outline':
      return outlineChecks(content as ContentOf<'outline'>);
    case 'exercises':
      return exerciseChecks(content as ContentOf<'exercises'>);
    default:
      return [];
  }
}

/** The failed error checks, one line each, for a repair prompt or a 422 message. */
export function failures(report: QualityReport): string[] {
  return report.checks.filter((c) => !c.passed && c.severity === 'error').map((c) => `${c.name}: ${c.detail}`);
}
