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
  /**
   * Meters the content calls of one job run (a next-lesson job has no request to bill): `gateway`
   * wrapped to record them, and `end` with the run's error if it failed. Absent: not metered.
   */
  meterJob?: (job: JobScope, gateway: Gateway) => Promise<MeteredRun>;
  /** milliseconds since the epoch; tests may fix it */
  now?: () => number;
}

export const nowOf = (deps: LearningDeps): number => (deps.now ?? Date.now)();

/** Whom a job run's calls are billed to: the learner, and the API key whose submission queued it. */
export interface JobScope {
  learnerId: string;
  keyId: string | null;
}

export interface MeteredRun {
  gateway: Gateway;
  end(error?: unknown): void;
}
