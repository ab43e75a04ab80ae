/**
 * `weighted`: one entry picked by weight (random, or by a hash of the user or API key when the
 * route is sticky, so one learner keeps one provider); the others follow by weight as fallbacks.
 */
import type { RouteItem, RouteNode } from '../plan.js';
import type { StrategyInput } from './index.js';

export function weighted(node: RouteNode, input: StrategyInput): RouteItem[] {
  const items = node.items;
  let total = 0;
  for (const item of items) total += item.weight;
  const rest = items.slice().sort((a, b) => b.weight - a.weight);
  if (total <= 0) return rest;
  const id = node.sticky === 'user' ? input.meta?.body?.user : node.sticky === 'key' ? (input.meta?.key ?? bearer(input.meta?.headers?.authorization)) : undefined;
  const point = (typeof id === 'string' && id !== '' ? hash(`${node.name}\u0000${id}`) / 0x1_0000_0000 : Math.random()) * total;
  let acc = 0;
  for (let i = 0; i < items.length; i++) {
    acc += items[i].weight;
    if (point < acc && items[i].weight > 0) {
      const chosen = items[i];
      rest.splice(rest.indexOf(chosen), 1);
      rest.unshift(chosen);
      break;
    }
  }
  return rest;
}

function bearer(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.startsWith('Bearer ') ? value.slice(7) : value;
}

/** FNV-1a, 32 bits: stable across processes and restarts. */
export function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
