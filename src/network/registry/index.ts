/** The expert registry (what each miner serves) and the plan cache over it. */
export { availabilitySchema, axonUrl, ExpertRegistry, fetchAvailability, type Availability } from './availability.js';
export { gradeBand, PlanCache, serves, type Signature } from './plan-cache.js';
