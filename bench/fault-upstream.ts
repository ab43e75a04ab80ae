/**
 * Fake OpenAI upstreams with injected faults, for bench:faults, in their own process. Reads
 * BENCH_UPSTREAMS, a JSON array of `{ fail, slow, down }` (shares of calls that fail, or answer 5x
 * slower; `down` fails every call), starts one server per entry and prints their ports as one JSON
 * line. A normal answer takes 10 to 40 ms (uniform), like a fast model's first byte.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { COMPLETION_BODY } from './fake-upstream.js';

interface Spec {
  fail: number;
  slow: number;
  down?: boolean;
}

const body = COMPLETION_BODY;
const error = JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } });

function start(spec: Spec): Promise<number> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (!req.url?.endsWith('/chat/completions')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"object":"list","data":[]}');
      }
      const roll = Math.random();
      const base = 10 + Math.random() * 30;
      if (spec.down || roll < spec.fail) {
        // half the failures are a 500, half a connection dropped mid-body
        if (spec.down || roll < spec.fail / 2) {
          res.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(error) });
          return res.end(error);
        }
        return setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.write(body.slice(0, 40), () => res.destroy());
        }, base);
      }
      const delay = roll < spec.fail + spec.slow ? base * 5 : base;
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      }, delay);
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

const specs = JSON.parse(process.env.BENCH_UPSTREAMS ?? '[]') as Spec[];
Promise.all(specs.map(start)).then((ports) => process.stdout.write(`${JSON.stringify(ports)}\n`));
