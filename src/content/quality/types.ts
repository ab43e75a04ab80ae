/** The pedagogy report returned with every piece of content. */
export interface Check {
  name: string;
  passed: boolean;
  /** a failed `error` check makes the content fail and triggers regeneration; a `warning` is reported only */
  severity: 'error' | 'warning';
  /** what was wrong (empty when passed) */
  detail: string;
}

export interface QualityReport {
  /** true when no `error` check failed */
  passed: boolean;
  checks: Check[];
}

export function check(name: string, problems: string[], severity: Check['severity'] = 'error'): Check {
  return { name, passed: problems.length === 0, severity, detail: problems.join('; ') };
}

/** Text compared for sameness: case, spacing and end punctuation do not count. */
export function normalize(s: string): string {
  return s.toLowerCase().replace(/\s+/g, ' ').replace(/[\s.!?;:,]+$/u, '').trim();
}

/** Indexes (1-based, as a reader counts) of the items whose key repeats an earlier one. */
export function duplicates<T>(items: readonly T[], key: (item: T) => string): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  items.forEach((item, i) => {
    const k = normalize(key(item));
    if (seen.has(k)) out.push(i + 1);
    seen.add(k);
  });
  return out;
}
