/** Embeddings from the loaded model's embedding context, in OpenAI's response shape. */
import type { LlamaEmbeddingContext } from 'node-llama-cpp';
import { PolymathError } from '../../errors.js';
import type { EmbedRequest, EmbedResponse } from '../types.js';
import type { Engine } from './engine.js';

/** OpenAI's own bound on inputs per request. */
const MAX_INPUTS = 2048;

function texts(req: EmbedRequest): string[] {
  const input = req.input;
  const list = typeof input === 'string' ? [input] : input;
  if (!list.every((x): x is string => typeof x === 'string')) {
    throw new PolymathError('invalid_request', 'the llama-cpp provider embeds text: send input as a string or an array of strings, not token ids', { param: 'input' });
  }
  if (list.length > MAX_INPUTS) throw new PolymathError('invalid_request', `input holds ${list.length} items; at most ${MAX_INPUTS} per request`, { param: 'input' });
  list.forEach((text, i) => {
    if (text.length === 0) throw new PolymathError('invalid_request', `input[${i}] is empty`, { param: 'input' });
  });
  return list;
}

/** OpenAI's base64 encoding: the little-endian float32 bytes of the vector. */
function encode(vector: readonly number[], format: EmbedRequest['encoding_format']): number[] | string {
  return format === 'base64' ? Buffer.from(Float32Array.from(vector).buffer).toString('base64') : [...vector];
}

export async function embedTexts(engine: Engine, embedder: LlamaEmbeddingContext, req: EmbedRequest, model: string, signal: AbortSignal): Promise<EmbedResponse> {
  const inputs = texts(req);
  const size = engine.model.embeddingVectorSize;
  if (req.dimensions !== undefined && req.dimensions !== size) {
    throw new PolymathError('invalid_request', `this model's embeddings have ${size} dimensions; it cannot make ${req.dimensions}`, { param: 'dimensions' });
  }
  const data: EmbedResponse['data'] = [];
  let tokens = 0;
  for (const [index, text] of inputs.entries()) {
    signal.throwIfAborted();
    const ids = engine.model.tokenize(text);
    if (ids.length > engine.contextSize) {
      throw new PolymathError('invalid_request', `input[${index}] is ${ids.length} tokens; this model's context holds ${engine.contextSize}`, {
        param: 'input',
        code: 'context_length_exceeded',
      });
    }
    tokens += ids.length;
    const { vector } = await embedder.getEmbeddingFor(ids);
    data.push({ object: 'embedding', index, embedding: encode(vector, req.encoding_format) });
  }
  return { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}
