/**
 * Orders candidate miners for one request: eligible ones only (active, with an axon, not
 * quarantined, circuit admitting a call), specialists first, each group by score; with
 * probability `explore`, one of the least-measured candidates is moved into the first k so new
 * miners get measured.
 */
import type { Candidate, ScoreParts, SelectionWeights } from './score.js';
import { fieldOf, scoreOf } from './score.js';

export interface Ranked extends Candidate {
  score: ScoreParts;
  specialist: boolean;
}

export interface SelectOptions {
  k: number;
  explore: number;
  weights: SelectionWeights;
  /** hotkeys that serve this request's kind and subject; undefined = no preference */
  specialists?: ReadonlySet<string>;
  random?: () => number;
  now?: number;
}

export function eligible(c: Candidate, now = Date.now()): boolean {
  return c.neuron.active && c.neuron.axon !== null && c.neuron.axon.port > 0 && !c.state.isQuarantined(now) && c.state.stats.admits();
}

export function rankMiners(cands: readonly Candidate[], opts: SelectOptions): Ranked[] {
  const now = opts.now ?? Date.now();
  const pool = cands.filter((c) => eligible(c, now));
  const field = fieldOf(pool);
  const ranked: Ranked[] = pool.map((c) => ({ ...c, score: scoreOf(c, field, opts.weights, now), specialist: opts.specialists?.has(c.neuron.hotkey) ?? true }));
  ranked.sort((a, b) => Number(b.specialist) - Number(a.specialist) || b.score.total - a.score.total || a.neuron.uid - b.neuron.uid);
  const random = opts.random ?? Math.random;
  if (ranked.length > opts.k && opts.explore > 0 && random() < opts.explore) {
    // the least-called candidate outside the first k (ties: a random one) takes the k-th place
    const rest = ranked.slice(opts.k);
    const fewest = Math.min(...rest.map((r) => r.state.calls));
    const newcomers = rest.filter((r) => r.state.calls === fewest);
    const pick = newcomers[Math.floor(random() * newcomers.length)];
    ranked.splice(ranked.indexOf(pick), 1);
    ranked.splice(opts.k - 1, 0, pick);
  }
  return ranked;
}
