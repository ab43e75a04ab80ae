/**
 * The running gateway, independent of HTTP: providers, router, executor, store and meter.
 * The server and the CLI both build one.
 */
import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import { createProviders } from './providers/index.js';
import type { Provider } from './providers/types.js';
import { Executor, Router } from './routing/index.js';
import { migrateToLatest, openStore, RequestLog, type Store } from './store/index.js';
import { Meter } from './usage/meter.js';

export interface Runtime {
  config: Config;
  logger: Logger;
  providers: Map<string, Provider>;
  router: Router;
  executor: Executor;
  store: Store;
  requestLog: RequestLog;
  meter: Meter;
  close(): Promise<void>;
}

export async function createRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const store = openStore(config.store.url);
  await migrateToLatest(store.db);
  const providers = createProviders(config.providers);
  await Promise.all([...providers.values()].map((p) => p.start?.()));
  const requestLog = new RequestLog(store.db, { batchSize: config.store.batch_size, flushMs: config.store.flush_ms, maxPending: config.store.max_pending }, logger);
  const router = new Router(config, providers);
  return {
    config,
    logger,
    providers,
    router,
    executor: new Executor(),
    store,
    requestLog,
    meter: new Meter(requestLog, logger),
    async close() {
      await requestLog.flush();
      await Promise.allSettled([...providers.values()].map((p) => p.close?.()));
      await store.db.destroy();
    },
  };
}
