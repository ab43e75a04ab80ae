/** Miner selection: per-miner state from the gateway's own calls, scores, and the order of a request's candidates. */
export { MinerState, MinerStates } from './miner-state.js';
export { DEFAULT_SELECTION_WEIGHTS, fieldOf, scoreOf, type Candidate, type ScoreParts, type SelectionWeights } from './score.js';
export { eligible, rankMiners, type Ranked, type SelectOptions } from './select.js';
