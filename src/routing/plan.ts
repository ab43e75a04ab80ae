/**
 * Resolves the `model` a client asked for into a plan. `"<route>"` is a configured route;
 * `"<provider>/<model>"` goes straight to that provider; `"<provider>"` alone uses the provider's
 * default model. Routes are compiled once per config: flags are applied, nested routes linked,
 * and each target gets its stats, timeouts and fallback rule, so a request only orders them.
 */
import type { Config, RouteConfig } from '../config/index.js';
import { PolymathError } from '../errors.js';
import type { Provider } from '../providers/types.js';
import type { Conditions } from './meta.js';
import { fallbackRule, type FallbackRule } from './policy.js';
import type { StatsRegistry, TargetStats } from './stats.js';

export interface Timeouts {
  connectMs?: number;
  firstTokenMs?: number;
  totalMs?: number;
}

export interface Target {
  provider: Provider;
  /** the upstream model name */
  model: string;
  stats: TargetStats;
  timeout: Timeouts | undefined;
  /** which failures of this target move on to the next one */
  fallbackOn: FallbackRule;
}

export type Strategy = RouteConfig['strategy'];

/** One entry of a route: a target, or another route standing in its place. */
export interface RouteItem {
  target?: Target;
  route?: RouteNode;
  weight: number;
  when?: Conditions;
  /** every target this entry can expand to, for fastest / least-busy scoring */
  leaves: Target[];
}

export interface RouteNode {
  name: string;
  strategy: Strategy;
  sticky: 'user' | 'key' | 'none';
  items: RouteItem[];
  /** the fixed order when it never depends on the request (fallback over plain targets) */
  fixed?: Target[];
}

export interface RetryPolicy {
  /** the most calls for one request, retries and fallbacks together */
  attempts: number;
  baseMs: number;
  maxMs: number;
  maxRetryAfterMs: number;
}

export type HedgePolicy = { afterMs: number; p95: false } | { afterMs: number; p95: true };

export interface Plan {
  /** the route alias, when the request named one */
  route?: string;
  node: RouteNode;
  retry: RetryPolicy;
  hedge?: HedgePolicy;
}

const DIRECT_RETRY: RetryPolicy = { attempts: 1, baseMs: 100, maxMs: 5_000, maxRetryAfterMs: 10_000 };
/** The hedge delay under `after: p95` until a target has enough latencies. */
const DEFAULT_HEDGE_MS = 1_000;

export class Router {
  private readonly plans = new Map<string, Plan>();
  private readonly direct = new Map<string, Plan>();
  private readonly defaultRule: FallbackRule;

  constructor(
    private readonly config: Config,
    private readonly providers: ReadonlyMap<string, Provider>,
    private readonly stats: StatsRegistry,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.defaultRule = fallbackRule(undefined);
    const nodes = new Map<string, RouteNode>();
    for (const name of Object.keys(config.routes)) this.compileRoute(name, nodes, undefined);
    for (const [name, route] of Object.entries(config.routes)) {
      const node = nodes.get(name)!;
      this.plans.set(name, {
        route: name,
        node,
        retry: {
          attempts: route.retry.attempts ?? Math.max(1, countLeaves(node)),
          baseMs: route.retry.base_ms,
          maxMs: route.retry.max_ms,
          maxRetryAfterMs: route.retry.max_retry_after_ms,
        },
        hedge: route.hedge && ('after' in route.hedge ? { afterMs: route.hedge.after_ms ?? DEFAULT_HEDGE_MS, p95: true } : { afterMs: route.hedge.after_ms, p95: false }),
      });
    }
  }

  resolve(model: string): Plan {
    if (this.providers.size === 0) {
      throw new PolymathError(
        'no_provider',
        'No provider is configured. Set OPENAI_API_KEY, OPENROUTER_API_KEY or PERPLEXITY_API_KEY, or write a polymath.yaml with a `providers:` section (see the README).',
      );
    }
    const plan = this.plans.get(model) ?? this.direct.get(model);
    if (plan) return plan;
    const slash = model.indexOf('/');
    const providerId = slash === -1 ? model : model.slice(0, slash);
    if (!this.providers.has(providerId)) {
      throw new PolymathError('model_not_found', `The model "${model}" is neither a route nor "<provider>/<model>" of a configured provider. GET /v1/models lists what is available.`, {
        param: 'model',
        code: 'model_not_found',
      });
    }
    const target = this.target(providerId, slash === -1 ? undefined : model.slice(slash + 1), undefined, this.defaultRule);
    const direct: Plan = { node: { name: model, strategy: 'fallback', sticky: 'none', items: [{ target, weight: 1, leaves: [target] }], fixed: [target] }, retry: DIRECT_RETRY };
    if (this.direct.size < 1024) this.direct.set(model, direct);
    return direct;
  }

  /** Whether a flag is on: the environment (`true`/`1`/`yes`/`on`) wins over config `flags:`. */
  flag(name: string): boolean {
    const fromEnv = this.env[name];
    if (fromEnv !== undefined && fromEnv !== '') return /^(1|true|yes|on)$/i.test(fromEnv.trim());
    return this.config.flags[name] === true;
  }

  /** Route aliases and provider/model names, for GET /v1/models. */
  modelIds(): Array<{ id: string; owned_by: string }> {
    const ids = Object.keys(this.config.routes).map((id) => ({ id, owned_by: 'polymath' }));
    const seen = new Set(ids.map((x) => x.id));
    const add = (id: string, owner: string) => {
      if (!seen.has(id)) {
        seen.add(id);
        ids.push({ id, owned_by: owner });
      }
    };
    for (const p of this.providers.values()) for (const m of p.models) add(`${p.id}/${m}`, p.id);
    for (const route of Object.values(this.config.routes)) {
      for (const t of route.targets) if (t.provider && t.model) add(`${t.provider}/${t.model}`, t.provider);
    }
    return ids;
  }

  /** Every configured target with the routes that use it, for the admin API. */
  configuredTargets(): Array<{ target: Target; routes: string[] }> {
    const byKey = new Map<string, { target: Target; routes: string[] }>();
    for (const [name, plan] of this.plans) {
      for (const item of plan.node.items) {
        if (!item.target) continue;
        const entry = byKey.get(item.target.stats.key) ?? { target: item.target, routes: [] };
        entry.routes.push(name);
        byKey.set(item.target.stats.key, entry);
      }
    }
    return [...byKey.values()];
  }

  private compileRoute(name: string, nodes: Map<string, RouteNode>, inherited: Timeouts | undefined): RouteNode {
    const existing = nodes.get(name);
    if (existing) return existing;
    const route = this.config.routes[name];
    const timeout = route.timeout ? { connectMs: route.timeout.connect_ms, firstTokenMs: route.timeout.first_token_ms, totalMs: route.timeout.total_ms } : inherited;
    const rule = fallbackRule(route.fallback_on);
    const node: RouteNode = { name, strategy: route.strategy, sticky: route.sticky, items: [] };
    nodes.set(name, node);
    for (const t of route.targets) {
      if (t.flag !== undefined && !this.flag(t.flag)) continue;
      if (t.route !== undefined) {
        const sub = this.compileRoute(t.route, nodes, timeout);
        node.items.push({ route: sub, weight: t.weight, when: t.when, leaves: sub.items.flatMap((i) => i.leaves) });
      } else {
        const target = this.target(t.provider!, t.model, timeout, rule);
        node.items.push({ target, weight: t.weight, when: t.when, leaves: [target] });
      }
    }
    if (node.strategy === 'fallback' && node.items.every((i) => i.target)) node.fixed = node.items.map((i) => i.target!);
    return node;
  }

  private target(providerId: string, model: string | undefined, timeout: Timeouts | undefined, fallbackOn: FallbackRule): Target {
    const provider = this.providers.get(providerId);
    if (!provider) throw new PolymathError('model_not_found', `unknown provider "${providerId}"`, { param: 'model', code: 'model_not_found' });
    const resolved = model ?? provider.defaultModel;
    if (!resolved) {
      throw new PolymathError('invalid_request', `provider "${providerId}" has no default_model; ask for "${providerId}/<model>"`, { param: 'model' });
    }
    return { provider, model: resolved, stats: this.stats.of(providerId, resolved), timeout, fallbackOn };
  }
}

function countLeaves(node: RouteNode): number {
  return node.items.reduce((n, i) => n + i.leaves.length, 0);
}
