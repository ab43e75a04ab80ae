/** Integrity checks: agreement between answers, cross-checks by level, canaries. */
export { agree, AGREEMENT_THRESHOLD, contentWords, overlap, spokenText } from './agreement.js';
export { crossCheck, type Answer, type CheckResult, type IntegrityMode } from './cross-check.js';
export { RepeatDetector } from './repeats.js';
export { makeCanary, passesCanary, type Canary } from './canary.js';
