/** What the learning loop runs on: the store, the content engine's gateway, its config section. */
import type { Logger } from 'pino';
import type { LearningConfig } from '../config/learning.js';
import type { Gateway } from '../content/index.js';
import type { Store } from '../store/index.js';

export interface LearningDeps {
  store: Pick<Store, 'db' | 'dialect'>;
  /** the router and executor the content engine asks (the runtime's, which a reload may swap) */
  gateway: Gateway;
  /** read at each use, so a config reload applies */
  config: () => LearningConfig;
  logger: Logger;
  /** milliseconds since the epoch; tests may fix it */
  now?: () => number;
}

export const nowOf = (deps: LearningDeps): number => (deps.now ?? Date.now)();
