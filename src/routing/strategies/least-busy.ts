/** `least-busy`: entries by calls in flight, fewest first; ties keep config order. */
import type { RouteItem, RouteNode } from '../plan.js';

export function leastBusy(node: RouteNode): RouteItem[] {
  return node.items.slice().sort((a, b) => busy(a) - busy(b));
}

function busy(item: RouteItem): number {
  let least = Infinity;
  for (const t of item.leaves) least = Math.min(least, t.stats.inFlight);
  return least;
}
