/**
 * A validator's published weights (GET /weights: {netuid, updated_at, weights: [{uid, hotkey, weight}]}),
 * fetched on an interval with a deadline. A weight counts only while the hotkey at its uid is
 * still the one the validator scored.
 */
import { request } from 'undici';
import { z } from 'zod';

const weightsSchema = z.object({
  netuid: z.number().int(),
  updated_at: z.string().optional(),
  weights: z.array(z.object({ uid: z.number().int().min(0), hotkey: z.string(), weight: z.number().min(0) })).max(65_536),
});

const MAX_BYTES = 4 * 1024 * 1024;

export class WeightsFeed {
  private byUid = new Map<number, { hotkey: string; weight: number }>();
  fetchedAt: number | null = null;
  lastError: string | null = null;

  constructor(private readonly url: string, private readonly netuid: number, private readonly timeoutMs: number) {}

  weightOf(uid: number, hotkey: string): number | undefined {
    const w = this.byUid.get(uid);
    return w && w.hotkey === hotkey ? w.weight : undefined;
  }

  get size(): number {
    return this.byUid.size;
  }

  /** Fetches once; on any failure the last good weights stay. */
  async refresh(): Promise<void> {
    try {
      const res = await request(this.url, { method: 'GET', signal: AbortSignal.timeout(this.timeoutMs), headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs });
      const length = Number(res.headers['content-length'] ?? 0);
      if (res.statusCode !== 200 || length > MAX_BYTES) {
        await res.body.dump();
        throw new Error(`HTTP ${res.statusCode}`);
      }
      const text = await res.body.text();
      if (text.length > MAX_BYTES) throw new Error('answer too large');
      const parsed = weightsSchema.parse(JSON.parse(text));
      if (parsed.netuid !== this.netuid) throw new Error(`weights are for netuid ${parsed.netuid}, not ${this.netuid}`);
      this.byUid = new Map(parsed.weights.map((w) => [w.uid, { hotkey: w.hotkey, weight: w.weight }]));
      this.fetchedAt = Date.now();
      this.lastError = null;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
    }
  }
}
