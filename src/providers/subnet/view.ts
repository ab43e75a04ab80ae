/** The admin view of a subnet provider's miners: score parts, circuit, load, quarantine, what it serves. */
import type { ExpertRegistry } from '../../network/registry/index.js';
import { eligible, fieldOf, scoreOf, type Candidate, type ScoreParts, type SelectionWeights } from '../../network/selection/index.js';

export interface MinerView {
  uid: number;
  hotkey: string;
  axon: string | null;
  eligible: boolean;
  score: ScoreParts;
  breaker: string;
  in_flight: number;
  calls: number;
  reliability: number | null;
  latency_ewma_ms: number | null;
  quarantined_until: string | null;
  generation_mode: string | null;
  kinds: string[];
}

export function minerViews(cands: Candidate[], weights: SelectionWeights, registry: ExpertRegistry): MinerView[] {
  const now = Date.now();
  const field = fieldOf(cands.filter((c) => eligible(c, now)));
  return cands.map((c) => {
    const s = c.state;
    const a = registry.get(c.neuron.hotkey);
    return {
      uid: c.neuron.uid,
      hotkey: c.neuron.hotkey,
      axon: c.neuron.axon ? `${c.neuron.axon.ip}:${c.neuron.axon.port}` : null,
      eligible: eligible(c, now),
      score: scoreOf(c, field, weights, now),
      breaker: s.stats.breakerState,
      in_flight: s.stats.inFlight,
      calls: s.calls,
      reliability: s.successEwma === null ? null : Math.round(s.successEwma * 1000) / 1000,
      latency_ewma_ms: s.stats.latencyEwmaMs === null ? null : Math.round(s.stats.latencyEwmaMs * 100) / 100,
      quarantined_until: s.isQuarantined(now) ? new Date(s.quarantinedUntil).toISOString() : null,
      generation_mode: a?.generation_mode ?? null,
      kinds: a?.kinds ?? [],
    };
  });
}
