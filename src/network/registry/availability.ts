/**
 * The expert registry: what each miner says it serves (its signed `POST /availability` answer),
 * polled on an interval with a deadline per miner and cached by hotkey. A change bumps `version`,
 * which invalidates the plan cache.
 */
import { Agent } from 'undici';
import { z } from 'zod';
import { signHeaders } from '../epistula.js';
import type { Neuron } from '../metagraph/index.js';
import type { Hotkey } from '../wallet/index.js';

export const availabilitySchema = z.looseObject({
  task_availabilities: z.record(z.string(), z.boolean()).default({}),
  llm_model_availabilities: z.record(z.string(), z.boolean()).default({}),
  generation_mode: z.enum(['local', 'api', 'custom']).optional(),
  kinds: z.array(z.string()).max(64).default([]),
  subjects: z.array(z.string()).max(256).default([]),
  languages: z.array(z.string()).max(64).default([]),
  models: z.array(z.string()).max(64).default([]),
  in_flight: z.number().nonnegative().optional(),
  version: z.string().optional(),
  hotkey: z.string().optional(),
});
export type Availability = z.infer<typeof availabilitySchema>;

/** The largest /availability answer read. */
const MAX_BYTES = 64 * 1024;

export function axonUrl(n: Neuron): string {
  const ip = n.axon!.ip.includes(':') ? `[${n.axon!.ip}]` : n.axon!.ip;
  return `http://${ip}:${n.axon!.port}`;
}

/** Asks one miner what it serves, signed for its hotkey; throws on any failure. */
export async function fetchAvailability(agent: Agent, n: Neuron, signer: Hotkey, timeoutMs: number): Promise<Availability> {
  const body = JSON.stringify({ task_availabilities: {}, llm_model_availabilities: {} });
  const res = await agent.request({
    origin: axonUrl(n),
    path: '/availability',
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signHeaders(body, signer, n.hotkey) },
    body,
    signal: AbortSignal.timeout(timeoutMs),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res.body) {
    size += (c as Buffer).length;
    if (size > MAX_BYTES) {
      res.body.destroy();
      throw new Error('availability answer too large');
    }
    chunks.push(c as Buffer);
  }
  if (res.statusCode !== 200) throw new Error(`availability: HTTP ${res.statusCode}`);
  const parsed = availabilitySchema.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
  if (parsed.hotkey !== undefined && parsed.hotkey !== n.hotkey) throw new Error('availability answered for another hotkey');
  return parsed;
}

export class ExpertRegistry {
  private readonly byHotkey = new Map<string, Availability>();
  /** bumps on every change of what any miner serves */
  version = 0;
  static readonly MAX = 4096;

  set(hotkey: string, a: Availability | undefined): void {
    const before = this.byHotkey.get(hotkey);
    if (a === undefined) {
      if (before) {
        this.byHotkey.delete(hotkey);
        this.version++;
      }
      return;
    }
    if (before && JSON.stringify(before) === JSON.stringify({ ...a, in_flight: before.in_flight })) {
      this.byHotkey.set(hotkey, a); // only the load moved
      return;
    }
    if (!before && this.byHotkey.size >= ExpertRegistry.MAX) this.byHotkey.delete(this.byHotkey.keys().next().value as string);
    this.byHotkey.set(hotkey, a);
    this.version++;
  }

  get(hotkey: string): Availability | undefined {
    return this.byHotkey.get(hotkey);
  }

  /** Polls every miner with an axon (at most `concurrency` at once); an unreachable miner keeps its last answer. */
  async poll(neurons: readonly Neuron[], agent: Agent, signer: Hotkey, timeoutMs: number, concurrency = 16): Promise<void> {
    const queue = neurons.filter((n) => n.axon !== null && n.active);
    const live = new Set(queue.map((n) => n.hotkey));
    for (const hotkey of [...this.byHotkey.keys()]) if (!live.has(hotkey)) this.set(hotkey, undefined);
    const worker = async () => {
      for (let n = queue.shift(); n; n = queue.shift()) {
        try {
          this.set(n.hotkey, await fetchAvailability(agent, n, signer, timeoutMs));
        } catch {
          // keep the last answer: selection's breaker and reliability deal with a miner that is down
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  }
}
