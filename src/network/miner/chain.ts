/**
 * The miner's generator chain: the provider targets of one route, in order (local → api →
 * custom, or however the route lists them). It warms each generator up at start, checks their
 * health on an interval, and tracks which generator answered and how often the chain fell back.
 */
import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import type { GenerationMode, Provider } from '../../providers/types.js';
import type { Runtime } from '../../runtime.js';

export interface GeneratorState {
  provider: string;
  model: string;
  mode: GenerationMode;
  healthy: boolean;
  /** answers this generator gave */
  served: number;
  checked_at: number | null;
  last_error: string | null;
}

export interface ChainState {
  route: string;
  /** the mode of the generator that answered last (before any answer, of the first healthy one) */
  active_mode: GenerationMode | null;
  generators: GeneratorState[];
  requests: number;
  /** answers that came from a generator other than the chain's first */
  fallbacks: number;
}

/** The provider targets a route expands to, in its listed order (nested routes flattened). */
export function chainTargets(config: Config, route: string, seen = new Set<string>()): Array<{ provider: string; model?: string }> {
  const r = config.routes[route];
  if (!r || seen.has(route)) return [];
  seen.add(route);
  return r.targets.flatMap((t) => (t.route !== undefined ? chainTargets(config, t.route, seen) : [{ provider: t.provider!, model: t.model }]));
}

const WARMUP_TIMEOUT_MS = 120_000;

export class GeneratorChain {
  private readonly generators: Array<GeneratorState & { p: Provider }>;
  private requests = 0;
  private fallbacks = 0;
  private lastMode: GenerationMode | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly rt: Runtime,
    readonly route: string,
    private readonly logger: Logger,
  ) {
    this.generators = chainTargets(rt.config, route).map(({ provider, model }) => {
      const p = rt.providers.get(provider)!;
      return { p, provider, model: model ?? p.defaultModel ?? 'default', mode: p.mode, healthy: true, served: 0, checked_at: null, last_error: null };
    });
  }

  /** Warms every generator with a one-token call (loading a local model, opening connections); a failure marks it unhealthy. */
  async warmUp(): Promise<void> {
    await Promise.all(
      this.generators.map(async (g) => {
        const signal = AbortSignal.timeout(WARMUP_TIMEOUT_MS);
        try {
          await g.p.chat({ model: g.model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1 }, { signal, model: g.model, requestId: `warmup-${g.provider}` });
          this.mark(g, true, null);
        } catch (err) {
          this.mark(g, false, err);
        }
      }),
    );
  }

  /** Health checks (providers that have one) every `intervalMs`; 0 = none after start. */
  watch(intervalMs: number, timeoutMs = 5_000): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.checkHealth(timeoutMs), intervalMs);
    this.timer.unref();
  }

  async checkHealth(timeoutMs = 5_000): Promise<void> {
    await Promise.all(
      this.generators
        .filter((g) => g.p.health)
        .map(async (g) => {
          try {
            const ok = await g.p.health!(AbortSignal.timeout(timeoutMs));
            this.mark(g, ok, ok ? null : new Error('health check failed'));
          } catch (err) {
            this.mark(g, false, err);
          }
        }),
    );
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Records which provider answered a request (and so whether the chain fell back). */
  served(providerId: string): void {
    const at = this.generators.findIndex((g) => g.provider === providerId);
    this.requests++;
    if (at !== 0) this.fallbacks++;
    const g = this.generators[at];
    if (g) {
      g.served++;
      g.healthy = true;
      g.last_error = null;
      this.lastMode = g.mode;
    }
  }

  get activeMode(): GenerationMode | null {
    return this.lastMode ?? this.generators.find((g) => g.healthy)?.mode ?? null;
  }

  models(): string[] {
    return [...new Set(this.generators.map((g) => g.model))];
  }

  state(): ChainState {
    return {
      route: this.route,
      active_mode: this.activeMode,
      generators: this.generators.map(({ p: _p, ...g }) => ({ ...g })),
      requests: this.requests,
      fallbacks: this.fallbacks,
    };
  }

  private mark(g: GeneratorState, healthy: boolean, err: unknown): void {
    if (g.healthy !== healthy) this.logger.info({ generator: g.provider, healthy }, `generator ${g.provider} is ${healthy ? 'healthy' : 'unhealthy'}`);
    g.healthy = healthy;
    g.checked_at = Date.now();
    g.last_error = err === null ? null : err instanceof Error ? err.message.slice(0, 300) : String(err).slice(0, 300);
  }
}
