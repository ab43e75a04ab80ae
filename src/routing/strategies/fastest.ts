/**
 * `fastest`: entries by their latency EWMA over recent successes, lowest first. A target with no
 * latency yet goes first, so every target gets measured.
 */
import type { RouteItem, RouteNode } from '../plan.js';

export function fastest(node: RouteNode): RouteItem[] {
  return node.items.slice().sort((a, b) => score(a) - score(b));
}

function score(item: RouteItem): number {
  let best = Infinity;
  for (const t of item.leaves) best = Math.min(best, t.stats.latencyEwmaMs ?? 0);
  return best;
}
