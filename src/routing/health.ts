/**
 * Active health checks: every provider that has a `health()` is asked at an interval, with a
 * deadline. Two failed checks in a row mark it unhealthy (its targets are tried last); one good
 * check marks it healthy again. Timers are unref'd so they never hold the process open.
 */
import type { Logger } from 'pino';
import type { Provider } from '../providers/types.js';
import type { StatsRegistry } from './stats.js';

/** Failed checks in a row before a provider counts as unhealthy. */
const FAILURES_TO_UNHEALTHY = 2;

export interface HealthOptions {
  intervalMs: number;
  timeoutMs: number;
}

export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private providers: ReadonlyMap<string, Provider> = new Map();
  private running: Promise<void> | undefined;

  constructor(
    private readonly stats: StatsRegistry,
    private readonly logger: Logger,
  ) {}

  /** Starts (or restarts, after a reload) checking these providers. */
  watch(providers: ReadonlyMap<string, Provider>, options: HealthOptions): void {
    this.stop();
    this.providers = providers;
    if (options.intervalMs <= 0 || ![...providers.values()].some((p) => p.health)) return;
    this.timer = setInterval(() => {
      this.running ??= this.checkAll(options.timeoutMs).finally(() => (this.running = undefined));
    }, options.intervalMs);
    this.timer.unref();
  }

  /** Checks every provider once now. */
  async checkAll(timeoutMs: number): Promise<void> {
    await Promise.all([...this.providers.values()].filter((p) => p.health).map((p) => this.check(p, timeoutMs)));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(p: Provider, timeoutMs: number): Promise<void> {
    let ok: boolean;
    try {
      ok = await p.health!(AbortSignal.timeout(timeoutMs));
    } catch {
      ok = false;
    }
    const h = this.stats.healthOf(p.id);
    const was = h.healthy;
    h.checkedAt = Date.now();
    h.consecutiveFailures = ok ? 0 : h.consecutiveFailures + 1;
    if (ok) h.healthy = true;
    else if (h.consecutiveFailures >= FAILURES_TO_UNHEALTHY) h.healthy = false;
    if (was !== h.healthy && h.healthy !== null) this.logger.info({ provider: p.id, healthy: h.healthy }, `provider ${p.id} is ${h.healthy ? 'healthy' : 'unhealthy'}`);
  }
}
