/**
 * From scores to weights: an EMA per uid (reset when the hotkey at the uid changes), normalized
 * weights summing to 1 for GET /weights, and the chain's u16 form (the largest weight at 65535).
 */

import type { EmaEntry } from '../../store/validator-scores.js';

export type { EmaEntry };

/** The next EMA of a uid after a score; a new hotkey at the uid starts from the score itself. */
export function nextEma(prev: EmaEntry | undefined, uid: number, hotkey: string, score: number, alpha: number, now = Date.now()): EmaEntry {
  if (!prev || prev.hotkey !== hotkey) return { uid, hotkey, ema: score, last_score: score, rounds: 1, updated_at: now };
  return { uid, hotkey, ema: alpha * score + (1 - alpha) * prev.ema, last_score: score, rounds: prev.rounds + 1, updated_at: now };
}

export interface Weight {
  uid: number;
  hotkey: string;
  weight: number;
}

/** Normalized weights (sum 1) of the uids with a positive EMA, by uid. */
export function normalize(entries: readonly EmaEntry[]): Weight[] {
  const positive = entries.filter((e) => e.ema > 0);
  const sum = positive.reduce((s, e) => s + e.ema, 0);
  return positive
    .map((e) => ({ uid: e.uid, hotkey: e.hotkey, weight: sum > 0 ? e.ema / sum : 0 }))
    .sort((a, b) => a.uid - b.uid);
}

/** The chain's form: u16 values with the largest at 65535, zeros left out (as bittensor's `convert_weights_and_uids_for_emit`). */
export function toU16(weights: readonly Weight[]): { uids: number[]; values: number[] } {
  const max = Math.max(0, ...weights.map((w) => w.weight));
  const uids: number[] = [];
  const values: number[] = [];
  if (max <= 0) return { uids, values };
  for (const w of weights) {
    const v = Math.round((w.weight / max) * 65_535);
    if (v === 0) continue;
    uids.push(w.uid);
    values.push(v);
  }
  return { uids, values };
}
