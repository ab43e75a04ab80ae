/**
 * Judges one answer: extracts its JSON, validates it against the kind's schema, runs the
 * pedagogy checks. The errors come back as short lines a model can act on in a repair round.
 */
import type { z } from 'zod';
import type { Persona } from './persona.js';
import { checkContent, failures, type QualityReport } from './quality/index.js';
import { KINDS, type AnyContent, type Kind } from './schemas/index.js';
import { extractJson } from './extract.js';

export type Verdict = { ok: true; content: AnyContent; quality: QualityReport } | { ok: false; errors: string[]; quality?: QualityReport };

const MAX_LISTED = 20;

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines = issues.slice(0, MAX_LISTED).map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`);
  if (issues.length > MAX_LISTED) lines.push(`... and ${issues.length - MAX_LISTED} more`);
  return lines;
}

export function judge(kind: Kind, answer: string, persona: Persona | undefined): Verdict {
  const extracted = extractJson(answer);
  if (!extracted.ok) return { ok: false, errors: [extracted.error] };
  const parsed = KINDS[kind].schema.safeParse(extracted.value);
  if (!parsed.success) return { ok: false, errors: formatIssues(parsed.error.issues) };
  const content = parsed.data as AnyContent;
  const quality = checkContent(kind, content as never, persona);
  if (!quality.passed) return { ok: false, errors: failures(quality), quality };
  return { ok: true, content, quality };
}
