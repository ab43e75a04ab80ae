/**
 * Orders a route's targets for one request. Each strategy is its own function over the route's
 * entries; nested routes expand in place. Unhealthy targets (active health checks) go last.
 */
import type { ContentIntent } from '../../providers/types.js';
import type { RequestMeta } from '../meta.js';
import type { RouteItem, RouteNode, Strategy, Target } from '../plan.js';
import { conditional } from './conditional.js';
import { fastest } from './fastest.js';
import { leastBusy } from './least-busy.js';
import { weighted } from './weighted.js';

export interface StrategyInput {
  meta?: RequestMeta;
  intent?: ContentIntent;
}

type StrategyFn = (node: RouteNode, input: StrategyInput) => RouteItem[];

const STRATEGIES: Record<Strategy, StrategyFn> = {
  fallback: (node) => node.items,
  weighted,
  conditional,
  fastest,
  'least-busy': leastBusy,
};

/** The targets to try, in order. A fixed fallback route with all targets healthy costs no allocation. */
export function orderTargets(node: RouteNode, input: StrategyInput): Target[] {
  const ordered = node.fixed ?? expand(node, input, []);
  return healthyFirst(ordered);
}

function expand(node: RouteNode, input: StrategyInput, out: Target[]): Target[] {
  for (const item of STRATEGIES[node.strategy](node, input)) {
    if (item.target) out.push(item.target);
    else if (item.route) expand(item.route, input, out);
  }
  return out;
}

function healthyFirst(targets: Target[]): Target[] {
  let unhealthy = 0;
  for (const t of targets) if (t.stats.health.healthy === false) unhealthy++;
  if (unhealthy === 0 || unhealthy === targets.length) return targets;
  return [...targets.filter((t) => t.stats.health.healthy !== false), ...targets.filter((t) => t.stats.health.healthy === false)];
}
