/**
 * Bayesian Knowledge Tracing, in the variant that never moves mastery against the evidence.
 *
 * With mastery L (the probability the learner knows the concept), guess G and slip S, an answer
 * gives the posterior
 *
 *   right:  P = L(1 − S) / (L(1 − S) + (1 − L)G)
 *   wrong:  P = L·S      / (L·S      + (1 − L)(1 − G))
 *
 * and the new mastery moves from L toward that posterior by the learn rate T:
 *
 *   L' = L + T · (P − L)
 *
 * A right answer never lowers mastery (P ≥ L whenever 1 − S ≥ G, which the parameters are checked
 * for) and a wrong one never raises it (P ≤ L). Textbook BKT instead takes L' = P + (1 − P)·T,
 * which after a wrong answer at low mastery *raises* it (L = 0.1, T = 0.2 gives 0.21): a learner
 * who keeps answering wrong would look like they are learning. This is the update OATutor-style
 * tutors use to keep mastery honest; T = 1 makes mastery the posterior itself.
 */
import type { BktParams, LearningConfig } from '../config/learning.js';

/** One BKT update of mastery `l` after an answer. */
export function bktUpdate(l: number, correct: boolean, p: BktParams): number {
  const { guess: g, slip: s, learn: t } = p;
  const known = correct ? l * (1 - s) : l * s;
  const unknown = correct ? (1 - l) * g : (1 - l) * (1 - g);
  const total = known + unknown;
  // With G or S at 0 or 1 an answer can be impossible under both hypotheses: no evidence then.
  const posterior = total === 0 ? l : known / total;
  const next = l + t * (posterior - l);
  return Math.min(1, Math.max(0, next));
}

/** The BKT parameters of a concept: the defaults with its overrides. */
export function bktParamsFor(config: LearningConfig, concept: string): BktParams {
  return { ...config.bkt, ...config.concepts[concept] };
}

/** Whether the parameters keep the update monotone (a right answer is evidence of knowing). */
export function isMonotone(p: BktParams): boolean {
  return 1 - p.slip >= p.guess;
}
