/**
 * Tokens per second of the stories260K model through Polymath's llama-cpp provider (HTTP, JSON and
 * SSE) against node-llama-cpp called directly, in the same process and run, with the same
 * prompt, sampling, seed, threads and sequences. Rounds alternate the three ways so that noise
 * from the shared machine falls on all of them alike; medians are compared.
 * Floor: Polymath ≥ 0.95× direct. Run with `npm run bench:local`; writes its BENCHMARKS.md section.
 */
import { request } from 'node:http';
import { getLlama, LlamaChat } from 'node-llama-cpp';
import { parseConfig } from '../src/config/index.js';
import { startServer } from '../src/server/index.js';
import { createLogger } from '../src/telemetry/logger.js';
import { machine, percentile, writeSection } from './lib.js';

import { STORIES_MODEL as MODEL } from '../test/helpers/fixtures.js';
const PROMPT = 'Once upon a time';
const MAX_TOKENS = 256;
const TEMPERATURE = 0.8;
const THREADS = 1;
const PARALLEL = 2;
const CONTEXT = 2048;
const ROUNDS = Number(process.env.ROUNDS ?? 30);
const FLOOR = 0.95;

type Way = 'direct' | 'direct text chunks' | 'polymath json' | 'polymath stream';
/** what each Polymath way is compared with: the direct call doing the same work (text per token when streaming) */
const BASELINE: Partial<Record<Way, Way>> = { 'polymath json': 'direct', 'polymath stream': 'direct text chunks' };

async function main(): Promise<void> {
  // node-llama-cpp directly, set up as the provider sets itself up.
  const llama = await getLlama({ maxThreads: THREADS, gpu: 'auto' });
  const model = await llama.loadModel({ modelPath: MODEL });
  const context = await model.createContext({ contextSize: CONTEXT, sequences: PARALLEL, threads: THREADS });
  const chat = new LlamaChat({ contextSequence: context.getSequence() });
  const direct = async (seed: number, onTextChunk?: (text: string) => void): Promise<number> => {
    let tokens = 0;
    await chat.generateResponse([{ type: 'user', text: PROMPT }, { type: 'model', response: [] }], {
      maxTokens: MAX_TOKENS,
      temperature: TEMPERATURE,
      seed,
      onToken: (t) => {
        tokens += t.length;
      },
      ...(onTextChunk ? { onTextChunk } : {}),
    });
    return tokens;
  };
  // node-llama-cpp streaming on its own: text per token, as the provider asks for when streaming
  const directText = (seed: number): Promise<number> => {
    let text = '';
    return direct(seed, (t) => {
      text += t;
    });
  };

  const server = await startServer(
    parseConfig({
      server: { host: '127.0.0.1', port: 0 },
      store: { url: 'sqlite://:memory:' },
      providers: { local: { type: 'llama-cpp', model_path: MODEL, threads: THREADS, parallel: PARALLEL, context_size: CONTEXT } },
    }),
    createLogger('silent'),
  );
  const body = (seed: number, stream: boolean) =>
    JSON.stringify({ model: 'local', messages: [{ role: 'user', content: PROMPT }], max_tokens: MAX_TOKENS, temperature: TEMPERATURE, seed, stream, ...(stream ? { stream_options: { include_usage: true } } : {}) });
  // node:http rather than fetch: a light client, so what is timed is Polymath, not web streams.
  const post = (payload: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = request(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  const viaJson = async (seed: number): Promise<number> => {
    const res = JSON.parse(await post(body(seed, false))) as { usage: { completion_tokens: number } };
    return res.usage.completion_tokens;
  };
  const viaStream = async (seed: number): Promise<number> => {
    const text = await post(body(seed, true));
    if (!text.endsWith('data: [DONE]\n\n')) throw new Error('the stream did not end with [DONE]');
    const usage = text.split('\n\n').filter((e) => e.includes('"usage":{')).at(-1);
    return (JSON.parse(usage!.slice('data: '.length)) as { usage: { completion_tokens: number } }).usage.completion_tokens;
  };

  const ways: Record<Way, (seed: number) => Promise<number>> = { direct, 'direct text chunks': directText, 'polymath json': viaJson, 'polymath stream': viaStream };
  const rates: Record<Way, number[]> = { direct: [], 'direct text chunks': [], 'polymath json': [], 'polymath stream': [] };
  const tokens: Record<Way, number> = { direct: 0, 'direct text chunks': 0, 'polymath json': 0, 'polymath stream': 0 };
  for (const run of Object.values(ways)) await run(0); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    // each round uses one seed for all three ways, so each generates the same tokens
    const order = (Object.keys(ways) as Way[]).sort(() => Math.random() - 0.5);
    for (const way of order) {
      const t = performance.now();
      const n = await ways[way](1000 + r);
      const seconds = (performance.now() - t) / 1000;
      rates[way].push(n / seconds);
      tokens[way] += n;
    }
  }
  await server.close();
  await llama.dispose();

  // Why threads: auto is not "all cores": the same direct call with 2 threads on this machine.
  const llama2 = await getLlama({ maxThreads: 2, gpu: 'auto' });
  const model2 = await llama2.loadModel({ modelPath: MODEL });
  const chat2 = new LlamaChat({ contextSequence: (await model2.createContext({ contextSize: CONTEXT, sequences: PARALLEL, threads: 2 })).getSequence() });
  const twoThreads: number[] = [];
  for (let r = 0; r < 3; r++) {
    let n = 0;
    const t = performance.now();
    await chat2.generateResponse([{ type: 'user', text: PROMPT }, { type: 'model', response: [] }], { maxTokens: 64, temperature: TEMPERATURE, seed: r, onToken: (x) => (n += x.length) });
    twoThreads.push(n / ((performance.now() - t) / 1000));
  }
  await llama2.dispose();

  const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
  // Paired: each round's Polymath rate over that round's direct rate, so load from other
  // processes that comes and goes falls on both sides of each ratio; the median of those is the verdict.
  const ratio = (way: Way, base: Way = BASELINE[way] ?? 'direct') => median(rates[way].map((r, i) => r / rates[base][i]));
  const rows = (Object.keys(ways) as Way[]).map((way) => {
    const sorted = [...rates[way]].sort((a, b) => a - b);
    const base = BASELINE[way];
    return `| ${way} | ${median(sorted).toFixed(0)} | ${sorted[0].toFixed(0)} | ${sorted.at(-1)!.toFixed(0)} | ${ratio(way, 'direct').toFixed(3)} | ${base ? `${ratio(way).toFixed(3)} (vs ${base})` : '—'} | ${tokens[way]} |`;
  });
  const worst = Math.min(ratio('polymath json'), ratio('polymath stream'));
  const verdict = worst >= FLOOR ? `PASS: Polymath ≥ ${FLOOR}× its direct counterpart (worst ${worst.toFixed(3)}×)` : `FAIL: Polymath at ${worst.toFixed(3)}× its direct counterpart, under the ${FLOOR}× floor`;
  const section = `${new Date().toISOString().slice(0, 10)}, ${machine()}; \`npm run bench:local\`. stories260K.gguf,
prompt "${PROMPT}", max_tokens ${MAX_TOKENS}, temperature ${TEMPERATURE}, threads ${THREADS}, ${PARALLEL} sequences of
${CONTEXT} tokens, one request at a time. ${ROUNDS} rounds; each round runs the four ways in random order with one
seed, so all four generate the same tokens. Direct is \`LlamaChat.generateResponse\` in the same process,
without and with \`onTextChunk\` (the text per token that streaming needs); Polymath is the llama-cpp
provider behind HTTP on 127.0.0.1 (client in the same process), timed from request to last byte.
tokens/s = completion tokens ÷ wall time. Ratios are medians of per-round ratios, so load from
other processes that comes and goes falls on both sides of each; other engineers' tests shared the
2 cores (the min column shows it).

| way | median tok/s | min | max | × direct | × its direct counterpart | tokens |
|---|---|---|---|---|---|---|
${rows.join('\n')}

${verdict}.

The same direct call with 2 threads instead of 1 (64 tokens, 3 runs): median ${percentile([...twoThreads].sort((a, b) => a - b), 50).toFixed(0)} tok/s —
why \`threads: auto\` takes half the logical cores rather than all of them.`;
  console.log(section);
  writeSection('Local model (llama-cpp provider) vs node-llama-cpp direct', section);
  if (worst < FLOOR) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
