/**
 * PROVISIONAL (issue 11 branch): the metagraph contract (Neuron, MetagraphSource, Metagraph) with
 * only the `static` source, until issue 10's `src/network/metagraph/` is merged; theirs replaces it.
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { MetagraphConfig } from '../../config/network.js';

export interface Neuron {
  uid: number;
  hotkey: string;
  coldkey: string;
  stake: number;
  active: boolean;
  validator_permit: boolean;
  incentive: number;
  consensus: number;
  dividends: number;
  emission: number;
  validator_trust: number;
  last_update: number;
  axon: { ip: string; port: number } | null;
}

export interface MetagraphSource {
  readonly kind: 'static' | 'subtensor' | 'taostats';
  fetch(netuid: number, signal: AbortSignal): Promise<Neuron[]>;
}

type Row = Partial<Omit<Neuron, 'axon'>> & { uid: number; hotkey: string; axon?: string | { ip: string; port: number } | null };

function toNeuron(r: Row): Neuron {
  let axon: Neuron['axon'] = null;
  if (typeof r.axon === 'string') {
    const at = r.axon.lastIndexOf(':');
    axon = { ip: r.axon.slice(0, at), port: Number(r.axon.slice(at + 1)) };
  } else if (r.axon) axon = r.axon;
  return {
    uid: r.uid, hotkey: r.hotkey, coldkey: r.coldkey ?? '', stake: r.stake ?? 0, active: r.active ?? true, validator_permit: r.validator_permit ?? false,
    incentive: r.incentive ?? 0, consensus: r.consensus ?? 0, dividends: r.dividends ?? 0, emission: r.emission ?? 0, validator_trust: r.validator_trust ?? 0,
    last_update: r.last_update ?? 0, axon,
  };
}

export function createMetagraphSource(cfg: MetagraphConfig, _opts: object = {}): MetagraphSource {
  if (cfg.source !== 'static' || !cfg.file) throw new Error(`metagraph source "${cfg.source}" is not available on this branch yet`);
  const file = cfg.file;
  return {
    kind: 'static',
    async fetch() {
      const text = await readFile(file, 'utf8');
      const rows = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Row[] | { neurons: Row[] };
      return (Array.isArray(rows) ? rows : rows.neurons).map(toNeuron);
    },
  };
}

export class Metagraph extends EventEmitter {
  private list: Neuron[] = [];
  private fetchedAt: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly source: MetagraphSource, private readonly opts: { netuid: number; refreshMs: number; timeoutMs: number }) {
    super();
  }
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.opts.refreshMs);
    this.timer.unref();
  }
  stop(): void {
    clearInterval(this.timer);
  }
  private async refresh(): Promise<void> {
    try {
      const next = await this.source.fetch(this.opts.netuid, AbortSignal.timeout(this.opts.timeoutMs));
      const changed = JSON.stringify(next) !== JSON.stringify(this.list);
      this.list = next;
      this.fetchedAt = Date.now();
      if (changed) this.emit('change', next);
    } catch {
      // keep the last good copy
    }
  }
  neurons(): readonly Neuron[] {
    return this.list;
  }
  byHotkey(ss58: string): Neuron | undefined {
    return this.list.find((n) => n.hotkey === ss58);
  }
  byUid(uid: number): Neuron | undefined {
    return this.list.find((n) => n.uid === uid);
  }
  ageMs(): number | null {
    return this.fetchedAt === null ? null : Date.now() - this.fetchedAt;
  }
}
