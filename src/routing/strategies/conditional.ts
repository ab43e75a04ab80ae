/**
 * `conditional`: the entries whose `when` holds for the request, in config order; an entry with
 * no `when` always holds, so a last plain entry is the default. The first match answers, the
 * later matches are its fallbacks.
 */
import { matches } from '../meta.js';
import type { RouteItem, RouteNode } from '../plan.js';
import type { StrategyInput } from './index.js';

export function conditional(node: RouteNode, input: StrategyInput): RouteItem[] {
  return node.items.filter((item) => item.when === undefined || matches(item.when, input.meta, input.intent));
}
