export { Router, type Plan, type Target, type RouteNode, type Timeouts } from './plan.js';
export { Executor, type Outcome, type RunContext } from './executor.js';
export { hasContent, inFlightOf, type OpenStream } from './attempt.js';
export { shouldFallback, fallbackRule } from './policy.js';
export { HealthMonitor } from './health.js';
export { StatsRegistry, TargetStats, isTargetFault, type BreakerState } from './stats.js';
export type { RequestMeta } from './meta.js';
