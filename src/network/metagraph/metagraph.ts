/**
 * The subnet's neurons, refreshed from a source on an interval with a deadline. A failed refresh
 * keeps the last good copy (and is logged); `change` fires when the table differs.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { MetagraphSource, Neuron } from './types.js';

export interface MetagraphOptions {
  netuid: number;
  refreshMs: number;
  timeoutMs: number;
  logger?: Logger;
}

export class Metagraph extends EventEmitter {
  private table: readonly Neuron[] = [];
  private hotkeys = new Map<string, Neuron>();
  private uids = new Map<number, Neuron>();
  private fetchedAt: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private readonly stopper = new AbortController();
  /** the last refresh's error, or null once one succeeds */
  lastError: string | null = null;

  constructor(
    readonly source: MetagraphSource,
    private readonly opts: MetagraphOptions,
  ) {
    super();
  }

  /** Loads the table once (rejects when that first load fails) and refreshes it on the interval. */
  async start(): Promise<void> {
    await this.refresh(true);
    this.timer = setInterval(() => void this.refresh(false), this.opts.refreshMs);
    this.timer.unref();
    this.unwatch = this.source.watch?.(() => void this.refresh(false));
  }

  stop(): void {
    clearInterval(this.timer);
    this.unwatch?.();
    this.stopper.abort();
    void this.source.close?.();
  }

  neurons(): readonly Neuron[] {
    return this.table;
  }

  byHotkey(ss58: string): Neuron | undefined {
    return this.hotkeys.get(ss58);
  }

  byUid(uid: number): Neuron | undefined {
    return this.uids.get(uid);
  }

  /** ms since the table was last fetched, null before the first success */
  ageMs(): number | null {
    return this.fetchedAt === null ? null : Date.now() - this.fetchedAt;
  }

  /** One refresh now (a refresh already running is joined, not doubled). */
  refresh(throwOnError = false): Promise<void> {
    this.running ??= this.load(throwOnError).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async load(throwOnError: boolean): Promise<void> {
    const signal = AbortSignal.any([this.stopper.signal, AbortSignal.timeout(this.opts.timeoutMs)]);
    try {
      const neurons = await this.source.fetch(this.opts.netuid, signal);
      if (signal.aborted) throw signal.reason;
      this.apply(neurons);
      this.lastError = null;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.lastError = message;
      this.opts.logger?.warn({ source: this.source.kind, netuid: this.opts.netuid, err: message }, 'metagraph refresh failed; keeping the last good copy');
      if (throwOnError) throw new Error(`metagraph (${this.source.kind}, netuid ${this.opts.netuid}): ${message}`);
    }
  }

  private apply(neurons: Neuron[]): void {
    this.fetchedAt = Date.now();
    const changed = JSON.stringify(neurons) !== JSON.stringify(this.table);
    if (!changed) return;
    this.table = Object.freeze(neurons.slice());
    this.hotkeys = new Map(neurons.map((n) => [n.hotkey, n]));
    this.uids = new Map(neurons.map((n) => [n.uid, n]));
    this.emit('change', this.table);
  }
}
