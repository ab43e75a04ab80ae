/**
 * The running gateway, independent of HTTP: providers, router, executor, store and meter.
 * The server and the CLI both build one.
 */
import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import { createProviders } from './providers/index.js';
import type { Provider } from './providers/types.js';
import type { ProviderConfig } from './config/index.js';
import { createLearning, type Learning } from './learning/index.js';
import { meterJobRun } from './usage/job-meter.js';
import { Executor, HealthMonitor, inFlightOf, Router } from './routing/index.js';
import { migrateToLatest, openStore, RequestLog, type Store } from './store/index.js';
import { Meter } from './usage/meter.js';
import { ResponseCache } from './cache/index.js';
import { routeEmbedder } from './cache/route-embedder.js';
import { Metrics, type BreakerReading } from './telemetry/metrics.js';
import { AlertEngine } from './usage/alerts/index.js';
import { Budgets } from './usage/budgets.js';
import { KeyStore } from './usage/keys.js';
import { RateLimits } from './usage/limits.js';
import { Pricing } from './usage/pricing.js';
import { openState, type SharedState } from './usage/state.js';

export interface Runtime {
  config: Config;
  logger: Logger;
  providers: Map<string, Provider>;
  router: Router;
  executor: Executor;
  store: Store;
  requestLog: RequestLog;
  meter: Meter;
  health: HealthMonitor;
  /** the learning loop: its API's state and the next-lesson job runner */
  learning: Learning;
  metrics: Metrics;
  cache: ResponseCache;
  alerts: AlertEngine;
  /** rate limits and budget counters: memory, or Redis shared by every instance (config `state`) */
  state: SharedState;
  keys: KeyStore;
  pricing: Pricing;
  budgets: Budgets;
  limits: RateLimits;
  /**
   * Applies a new config without dropping requests in flight: unchanged providers are kept,
   * changed and removed ones close once idle, the router is swapped at once. Server and store
   * settings need a restart. Rejects (and keeps the old config) when the new one cannot start.
   */
  reload(config: Config): Promise<void>;
  close(): Promise<void>;
}

export async function createRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const store = openStore(config.store.url);
  await migrateToLatest(store.db);
  const providers = createProviders(config.providers);
  await Promise.all([...providers.values()].map((p) => p.start?.()));
  const requestLog = new RequestLog(store, { batchSize: config.store.batch_size, flushMs: config.store.flush_ms, maxPending: config.store.max_pending }, logger);
  const executor = new Executor(breakerOptions(config));
  const health = new HealthMonitor(executor.stats, logger);
  health.watch(providers, healthOptions(config));
  const retiring = new Map<Provider, Promise<void>>();
  const metrics = new Metrics();
  let closed = false;
  const state = openState(config.state);
  const pricing = new Pricing(config.pricing, (id) => rt.config.providers[id]?.type, logger);
  const budgets = new Budgets(state, store.db, config.budgets, logger);
  const limits = new RateLimits(state);
  const rt: Runtime = {
    config,
    logger,
    providers,
    router: new Router(config, providers, executor.stats),
    executor,
    store,
    requestLog,
    meter: new Meter(requestLog, logger, pricing, budgets, limits),
    health,
    // The content engine asks the runtime's router of the moment (a reload swaps it).
    learning: createLearning(store, { get router() { return rt.router; }, executor }, () => rt.config.learning, logger, config.learning.jobs, (job, gateway) => meterJobRun(rt, job, gateway)),
    state,
    keys: new KeyStore(store.db, config.auth.key_cache_ms),
    pricing,
    budgets,
    limits,
    metrics,
    cache: new ResponseCache({ ...config.cache, url: config.cache.url ?? config.state.url, prefix: config.cache.prefix ?? `${config.state.prefix}cache:` }, logger, config.cache.semantic.embedding_model ? routeEmbedder({ get router() { return rt.router; }, executor }, config.cache.semantic.embedding_model) : undefined),
    alerts: new AlertEngine(config.alerts, metrics, logger),
    async reload(next) {
      const old = rt.providers;
      const nextProviders = new Map<string, Provider>();
      const created: Provider[] = [];
      try {
        for (const [id, cfg] of Object.entries(next.providers)) {
          const kept = old.get(id);
          if (kept && sameConfig(rt.config.providers[id], cfg)) nextProviders.set(id, kept);
          else {
            const p = createProviders({ [id]: cfg }).get(id)!;
            created.push(p);
            nextProviders.set(id, p);
          }
        }
        await Promise.all(created.map((p) => p.start?.()));
        executor.stats.setBreakerOptions(breakerOptions(next));
        rt.router = new Router(next, nextProviders, executor.stats);
      } catch (err) {
        await Promise.allSettled(created.map((p) => p.close?.()));
        throw err;
      }
      for (const key of ['server', 'store', 'cache', 'alerts'] as const) {
        if (!sameConfig(rt.config[key], next[key])) logger.warn(`config reload: the "${key}" section changed; restart to apply it`);
      }
      rt.config = { ...next, server: rt.config.server, store: rt.config.store, cache: rt.config.cache, alerts: rt.config.alerts };
      rt.providers = nextProviders;
      pricing.reset(next.pricing);
      health.watch(nextProviders, healthOptions(next));
      for (const [id, p] of old) {
        if (nextProviders.get(id) === p) continue;
        retiring.set(p, closeWhenIdle(p, () => closed).finally(() => retiring.delete(p)));
      }
    },
    async close() {
      closed = true;
      health.stop();
      await rt.learning.close();
      await rt.alerts.close();
      await requestLog.flush();
      await Promise.allSettled([...rt.providers.values()].map((p) => p.close?.()));
      await Promise.allSettled([...retiring.values()]);
      await rt.cache.close();
      await state.close();
      await store.close();
    },
  };
  await rt.cache.ready();
  rt.meter.onRecord((record) => metrics.observeRequest(record));
  metrics.readBreakersFrom(() => breakerReadings(rt));
  metrics.readBudgetsFrom(() =>
    rt.budgets.snapshot().map((b) => ({ key: b.name, period: b.period, limit_usd: b.budgetUsd, spent_usd: b.spentUsd, soft: rt.config.budgets.soft_threshold })),
  );
  rt.alerts.start();
  return rt;
}

/** Each known target's breaker, for the metrics and the breaker_open alert. */
function* breakerReadings(rt: Runtime): Iterable<BreakerReading> {
  for (const s of rt.executor.stats.all()) {
    if (rt.providers.has(s.key.slice(0, s.key.indexOf('/')))) yield { target: s.key, state: s.breakerState };
  }
}

function breakerOptions(config: Config) {
  return { failures: config.routing.breaker.failures, halfOpenAfterMs: config.routing.breaker.half_open_after_ms };
}

function healthOptions(config: Config) {
  return { intervalMs: config.routing.health_interval_ms, timeoutMs: config.routing.health_timeout_ms };
}

function sameConfig(a: ProviderConfig | object | undefined, b: ProviderConfig | object): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The longest a replaced provider is kept for its calls in flight before it is closed anyway. */
const RETIRE_MAX_MS = 10 * 60_000;

/** Closes a provider the new config no longer uses once none of its calls are in flight. */
async function closeWhenIdle(p: Provider, stopping: () => boolean): Promise<void> {
  const deadline = Date.now() + RETIRE_MAX_MS;
  while (Date.now() < deadline && !stopping() && inFlightOf(p) > 0) await delay(100);
  await p.close?.();
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
