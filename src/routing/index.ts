export { Router, type Plan, type Target } from './plan.js';
export { Executor, shouldFallback, hasContent, type Outcome, type OpenStream, type RunContext } from './executor.js';
