/**
 * A plan per request signature (kind, subject, grade band): the hotkeys of the miners that serve
 * it, computed from the expert registry once and cached until the registry changes (its version
 * moves). Scores are not cached: they move with every call.
 */
import type { Availability, ExpertRegistry } from './availability.js';

export interface Signature {
  kind: string;
  subject?: string;
  /** k-2, 3-5, 6-8, 9-12, adult or any */
  band: string;
  language?: string;
}

export function gradeBand(grade: number | 'adult' | undefined): string {
  if (grade === undefined) return 'any';
  if (grade === 'adult') return 'adult';
  return grade <= 2 ? 'k-2' : grade <= 5 ? '3-5' : grade <= 8 ? '6-8' : '9-12';
}

/** Whether a miner's availability serves a signature: the kind listed (or no kinds listed = any), and likewise subject and language. */
export function serves(a: Availability, s: Signature): boolean {
  if (a.kinds.length > 0 && !a.kinds.includes(s.kind)) return false;
  if (s.subject && a.subjects.length > 0 && !a.subjects.some((x) => x.toLowerCase() === s.subject!.toLowerCase())) return false;
  if (s.language && a.languages.length > 0 && !a.languages.some((l) => l.toLowerCase() === s.language!.toLowerCase().split('-')[0])) return false;
  return true;
}

export class PlanCache {
  private readonly plans = new Map<string, { version: number; hotkeys: Set<string> }>();
  hits = 0;
  misses = 0;

  constructor(private readonly registry: ExpertRegistry, private readonly max = 512) {}

  specialists(sig: Signature, hotkeys: readonly string[]): Set<string> {
    const key = `${sig.kind}|${sig.subject ?? ''}|${sig.band}|${sig.language ?? ''}`;
    const hit = this.plans.get(key);
    if (hit && hit.version === this.registry.version) {
      this.hits++;
      // LRU: refresh the entry's place
      this.plans.delete(key);
      this.plans.set(key, hit);
      return hit.hotkeys;
    }
    this.misses++;
    const out = new Set<string>();
    for (const h of hotkeys) {
      const a = this.registry.get(h);
      if (a && serves(a, sig)) out.add(h);
    }
    this.plans.delete(key);
    if (this.plans.size >= this.max) this.plans.delete(this.plans.keys().next().value as string);
    this.plans.set(key, { version: this.registry.version, hotkeys: out });
    return out;
  }
}
