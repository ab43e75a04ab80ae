/**
 * OpenAI embeddings from Gemini: one text through `embedContent`, several through
 * `batchEmbedContents` (at most 100 texts per call, Gemini's limit, in sequence).
 * Gemini does not count embedding tokens, so usage is an estimate: ceil(characters / 4).
 */
import { PolymathError } from '../../errors.js';
import type { EmbedRequest, EmbedResponse } from '../types.js';
import type { GeminiBatchEmbedResponse, GeminiEmbedResponse } from './wire.js';

export const BATCH_LIMIT = 100;
/** The most texts one request may embed, as OpenAI's own limit. */
export const MAX_INPUTS = 2048;

export type PostJson = <T>(method: string, payload: unknown) => Promise<T>;

export function embedTexts(req: EmbedRequest): string[] {
  const input = req.input;
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.every((x) => typeof x === 'string')) {
    if (input.length > MAX_INPUTS) throw new PolymathError('invalid_request', `input holds ${input.length} texts; the most is ${MAX_INPUTS}`, { param: 'input' });
    return input as string[];
  }
  throw new PolymathError('invalid_request', 'Gemini embeds text: input must be a string or an array of strings, not token ids', { param: 'input' });
}

export async function embedWithGemini(req: EmbedRequest, model: string, post: PostJson, provider: string): Promise<EmbedResponse> {
  const texts = embedTexts(req);
  const dims = req.dimensions !== undefined ? { outputDimensionality: req.dimensions } : {};
  const vectors: number[][] = [];
  if (typeof req.input === 'string') {
    const res = await post<GeminiEmbedResponse>('embedContent', { content: { parts: [{ text: texts[0] }] }, ...dims });
    vectors.push(checkValues(res.embedding?.values, provider));
  } else {
    for (let start = 0; start < texts.length; start += BATCH_LIMIT) {
      const batch = texts.slice(start, start + BATCH_LIMIT);
      const res = await post<GeminiBatchEmbedResponse>('batchEmbedContents', {
        requests: batch.map((text) => ({ model: `models/${model}`, content: { parts: [{ text }] }, ...dims })),
      });
      if (res.embeddings?.length !== batch.length) {
        throw new PolymathError('upstream_invalid', `${provider} returned ${res.embeddings?.length ?? 0} embeddings for ${batch.length} texts`, { provider });
      }
      for (const e of res.embeddings) vectors.push(checkValues(e.values, provider));
    }
  }
  const tokens = texts.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
  return {
    object: 'list',
    data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: req.encoding_format === 'base64' ? toBase64(v) : v })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

function checkValues(values: number[] | undefined, provider: string): number[] {
  if (!Array.isArray(values) || values.length === 0) throw new PolymathError('upstream_invalid', `${provider} returned an embedding without values`, { provider });
  return values;
}

/** OpenAI's base64 encoding: the vector as little-endian float32 bytes. */
function toBase64(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((x, i) => bytes.writeFloatLE(x, i * 4));
  return bytes.toString('base64');
}
