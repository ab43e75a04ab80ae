/**
 * The `static` metagraph source: a YAML or JSON file listing neurons
 * (`{uid, hotkey, coldkey, stake, validator_permit, active, axon: "ip:port"}`, other fields
 * optional), re-read when its modification time or size changes.
 */
import { watch } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { decodeAddress } from '@polkadot/util-crypto';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { MAX_NEURONS, type MetagraphSource, type Neuron } from './types.js';

const ss58 = z.string().refine((s) => {
  try {
    return decodeAddress(s).length === 32;
  } catch {
    return false;
  }
}, 'not an ss58 address');

const score = z.number().min(0).max(1).default(0);
const entrySchema = z.object({
  uid: z.number().int().min(0).max(65_535),
  hotkey: ss58,
  coldkey: ss58,
  stake: z.number().min(0).default(0),
  validator_permit: z.boolean().default(false),
  active: z.boolean().default(true),
  axon: z.union([z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'axon is "ip:port" (IPv6 as "[ip]:port")'), z.null()]).default(null),
  incentive: score,
  consensus: score,
  dividends: score,
  validator_trust: score,
  emission: z.number().min(0).default(0),
  last_update: z.number().int().min(0).default(0),
});
const fileSchema = z.array(entrySchema).max(MAX_NEURONS);

export function parseAxon(text: string | null): Neuron['axon'] {
  if (text === null) return null;
  const at = text.lastIndexOf(':');
  const ip = text.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(text.slice(at + 1));
  return port > 0 && port <= 65_535 ? { ip, port } : null;
}

export class StaticSource implements MetagraphSource {
  readonly kind = 'static' as const;
  private readonly file: string;
  private cached: { key: string; neurons: Neuron[] } | undefined;

  constructor(file: string) {
    this.file = resolve(file);
  }

  /** Watches the file's folder (editors and deploy tools replace files by renaming), debounced. */
  watch(onChange: () => void): () => void {
    let timer: NodeJS.Timeout | undefined;
    const name = basename(this.file);
    const watcher = watch(dirname(this.file), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, 100);
      timer.unref();
    });
    watcher.on('error', () => undefined); // the interval refresh still re-reads the file
    watcher.unref();
    return () => {
      clearTimeout(timer);
      watcher.close();
    };
  }

  async fetch(_netuid: number, signal: AbortSignal): Promise<Neuron[]> {
    const info = await stat(this.file);
    const key = `${info.mtimeMs}:${info.size}`;
    if (this.cached?.key === key) return this.cached.neurons;
    const text = await readFile(this.file, { encoding: 'utf8', signal });
    let raw: unknown;
    try {
      raw = this.file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    } catch (err) {
      throw new Error(`${this.file}: cannot parse: ${(err as Error).message}`);
    }
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`${this.file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    const neurons = parsed.data.map((e) => ({ ...e, axon: parseAxon(e.axon) }));
    this.cached = { key, neurons };
    return neurons;
  }
}
