/**
 * A minimal OpenAI-format upstream for benchmarks, run as its own process so it does not share an
 * event loop with the client or Polymath. Answers every chat completion with the same small body,
 * optionally after a delay (ms) or with a status, set per request by `x-bench-*` headers.
 * Prints its port on stdout.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The small completion every benchmark upstream answers with. */
export const COMPLETION_BODY = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Photosynthesis turns light into sugar.' }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
});

const delayMs = Number(process.env.BENCH_DELAY_MS ?? 0);

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const answer = () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(COMPLETION_BODY) });
      res.end(COMPLETION_BODY);
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;
if (import.meta.url === `file://${process.argv[1]}`) {
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
}
