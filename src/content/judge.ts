/**
 * Judges one answer: extracts its JSON, validates it against the kind's schema, runs the
 * pedagogy checks. The errors come back as short lines a model can act on in a repair round.
 * When the schema fails, the checks still run on what parsed (see salvage.ts), so one repair
 * round (and the final 422) lists every problem found: schema paths first, then failed checks.
 */
import type { z } from 'zod';
import type { Persona } from './persona.js';
import { checkContent, failures, type QualityReport } from './quality/index.js';
import { KINDS, type AnyContent, type Kind } from './schemas/index.js';
import { extractJson } from './extract.js';
import { salvage } from './salvage.js';

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
  if (!parsed.success) {
    const schemaErrors = formatIssues(parsed.error.issues);
    const quality = checksOnSalvage(kind, extracted.value, persona);
    return { ok: false, errors: [...schemaErrors, ...(quality ? failures(quality) : [])], ...(quality ? { quality } : {}) };
  }
  const content = parsed.data as AnyContent;
  const quality = checkContent(kind, content as never, persona);
  if (!quality.passed) return { ok: false, errors: failures(quality), quality };
  return { ok: true, content, quality };
}

/** The checks on what parsed of an invalid answer, or undefined if they cannot run on it. */
function checksOnSalvage(kind: Kind, value: unknown, persona: Persona | undefined): QualityReport | undefined {
  try {
    return checkContent(kind, salvage(KINDS[kind].schema, value) as never, persona);
  } catch {
    // the schema errors alone still say what to fix
    return undefined;
  }
}
