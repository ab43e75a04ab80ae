/** The validator: challenges, scoring, EMA, weights (published and on chain). */
export { Validator, type PublishedWeights, type RoundReport, type ValidatorDeps } from './validator.js';
export { scoreRound, timeliness, withMultiplier, type ChallengeAnswer, type Scored } from './score.js';
export { nextEma, normalize, toU16, type Weight } from './weights.js';
export { keyringPairOf, RateLimit, setWeightsOnChain } from './chain.js';
export { LocalModeCheck, type Verdict } from './local-check.js';
export { pickTask, K12_TOPICS, type Task } from './tasks.js';
export { startValidatorServer } from './server.js';
