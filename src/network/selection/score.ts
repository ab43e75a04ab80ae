/**
 * The selection score of a miner: a weighted sum of parts, each in [0, 1].
 *
 *   weight       the validator's published weight (GET /weights), else on-chain incentive,
 *                relative to the best candidate
 *   stake        log(1 + stake) relative to the largest among the candidates
 *   reliability  EWMA of the gateway's own successes with it (0.5 before any call)
 *   latency      best candidate's latency EWMA / this one's (time to first token for streams);
 *                0.5 before any call
 *   load         1 / (1 + calls in flight)
 *   freshness    how recent its metagraph `last_update` is (within a day of blocks of the newest
 *                candidate), averaged with how recent its last successful call was (10-minute decay)
 */
import type { Neuron } from '../metagraph/index.js';
import type { MinerState } from './miner-state.js';

export interface SelectionWeights {
  weight: number;
  stake: number;
  reliability: number;
  latency: number;
  load: number;
  freshness: number;
}

export const DEFAULT_SELECTION_WEIGHTS: SelectionWeights = { weight: 0.3, stake: 0.1, reliability: 0.3, latency: 0.15, load: 0.1, freshness: 0.05 };

export interface ScoreParts extends SelectionWeights {
  total: number;
}

/** Blocks in a day at 12 s a block: a miner that has not updated for that long scores 0 on it. */
const STALE_BLOCKS = 7200;
const SUCCESS_DECAY_MS = 10 * 60_000;

export interface Candidate {
  neuron: Neuron;
  state: MinerState;
  /** the validator's weight for this uid when weights are published, else undefined */
  validatorWeight?: number;
}

/** What every candidate's parts are relative to. */
export interface Field {
  maxWeight: number;
  maxLogStake: number;
  bestLatencyMs: number | null;
  newestBlock: number;
}

export function fieldOf(cands: readonly Candidate[]): Field {
  let maxWeight = 0;
  let maxLogStake = 0;
  let bestLatencyMs: number | null = null;
  let newestBlock = 0;
  for (const c of cands) {
    maxWeight = Math.max(maxWeight, weightOf(c));
    maxLogStake = Math.max(maxLogStake, Math.log1p(Math.max(0, c.neuron.stake)));
    const l = c.state.stats.latencyEwmaMs;
    if (l !== null && (bestLatencyMs === null || l < bestLatencyMs)) bestLatencyMs = l;
    newestBlock = Math.max(newestBlock, c.neuron.last_update);
  }
  return { maxWeight, maxLogStake, bestLatencyMs, newestBlock };
}

function weightOf(c: Candidate): number {
  return Math.max(0, c.validatorWeight ?? c.neuron.incentive);
}

export function scoreOf(c: Candidate, field: Field, w: SelectionWeights, now = Date.now()): ScoreParts {
  const s = c.state;
  const latency = s.stats.latencyEwmaMs;
  const blockFresh = field.newestBlock === 0 ? 1 : 1 - Math.min(1, (field.newestBlock - c.neuron.last_update) / STALE_BLOCKS);
  const callFresh = s.lastSuccessAt === null ? null : Math.exp(-(now - s.lastSuccessAt) / SUCCESS_DECAY_MS);
  const parts: SelectionWeights = {
    weight: field.maxWeight > 0 ? weightOf(c) / field.maxWeight : 0.5,
    stake: field.maxLogStake > 0 ? Math.log1p(Math.max(0, c.neuron.stake)) / field.maxLogStake : 0.5,
    reliability: s.successEwma ?? 0.5,
    latency: latency === null || field.bestLatencyMs === null ? 0.5 : field.bestLatencyMs / Math.max(latency, field.bestLatencyMs, 1e-3),
    load: 1 / (1 + s.stats.inFlight),
    freshness: callFresh === null ? blockFresh : (blockFresh + callFresh) / 2,
  };
  let total = 0;
  let sum = 0;
  for (const k of Object.keys(w) as Array<keyof SelectionWeights>) {
    total += w[k] * parts[k];
    sum += w[k];
  }
  return { ...round(parts), total: Math.round((sum > 0 ? total / sum : 0) * 10_000) / 10_000 };
}

function round(p: SelectionWeights): SelectionWeights {
  const out = { ...p };
  for (const k of Object.keys(out) as Array<keyof SelectionWeights>) out[k] = Math.round(out[k] * 10_000) / 10_000;
  return out;
}
