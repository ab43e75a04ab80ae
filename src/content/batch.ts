/**
 * Many content requests at once with bounded concurrency: every item gets its own result or its
 * own error, so one bad item never sinks the rest.
 */
import { z } from 'zod';
import { PolymathError, toPolymathError } from '../errors.js';
import { generateContent, type ContentResult, type Gateway } from './generate.js';
import { parseContentBody } from './request.js';
import { isKind, KIND_NAMES } from './schemas/index.js';

export const MAX_BATCH_ITEMS = 50;
export const MAX_BATCH_CONCURRENCY = 8;
const DEFAULT_CONCURRENCY = 4;

const batchSchema = z.object({
  items: z.array(z.looseObject({ kind: z.string() })).min(1).max(MAX_BATCH_ITEMS),
  concurrency: z.number().int().min(1).max(MAX_BATCH_CONCURRENCY).optional(),
});

export type BatchItemOutcome = { index: number; ok: true; result: ContentResult } | { index: number; ok: false; error: PolymathError };

export function parseBatch(body: unknown): z.infer<typeof batchSchema> {
  const parsed = batchSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue.path.map(String).join('.');
  throw new PolymathError('invalid_request', `Invalid batch: ${param ? `${param}: ` : ''}${issue.message}`, { param: param || null, code: 'invalid_value' });
}

/** Runs the items, at most `concurrency` at a time; `onItem` sees each outcome as it ends (for metering). */
export async function runBatch(
  gw: Gateway,
  batch: z.infer<typeof batchSchema>,
  ctx: { signal: AbortSignal; requestId: string; onItem?: (o: BatchItemOutcome, started: number) => void },
): Promise<BatchItemOutcome[]> {
  const outcomes: BatchItemOutcome[] = new Array(batch.items.length);
  let next = 0;
  const worker = async () => {
    while (next < batch.items.length) {
      const index = next++;
      const started = performance.now();
      outcomes[index] = await runItem(gw, batch.items[index], index, `${ctx.requestId}:${index}`, ctx.signal);
      ctx.onItem?.(outcomes[index], started);
    }
  };
  const width = Math.min(batch.concurrency ?? DEFAULT_CONCURRENCY, batch.items.length);
  await Promise.all(Array.from({ length: width }, worker));
  return outcomes;
}

async function runItem(gw: Gateway, item: { kind: string } & Record<string, unknown>, index: number, requestId: string, signal: AbortSignal): Promise<BatchItemOutcome> {
  try {
    if (!isKind(item.kind)) throw new PolymathError('not_found', `Unknown content kind "${item.kind}". Kinds: ${KIND_NAMES.join(', ')}.`, { param: `items.${index}.kind`, code: 'unknown_kind' });
    const { kind, ...body } = item;
    if (body.stream) throw new PolymathError('invalid_request', 'Batch items cannot stream.', { param: `items.${index}.stream` });
    const req = parseContentBody(item.kind, body);
    return { index, ok: true, result: await generateContent(gw, req, { signal, requestId }) };
  } catch (err) {
    return { index, ok: false, error: toPolymathError(err) };
  }
}
