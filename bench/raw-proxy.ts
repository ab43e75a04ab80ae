/**
 * The floor with no framework at all: `node:http` and undici forwarding the same request with no
 * logic (no validation, routing, metering or logging). bench:throughput measures it beside the
 * bare Fastify proxy and Polymath, so what a framework costs and what Polymath's own work costs
 * can be told apart. Usage: raw-proxy.ts <upstream origin> <port>
 */
import { createServer } from 'node:http';
import { Agent, request } from 'undici';

const [upstream, port] = process.argv.slice(2);
// The deadline is undici's own (headers and body timeouts on the agent's sockets): an
// AbortSignal.timeout per request would cost this floor ~15 µs of timer and signal a call.
const agent = new Agent({ connections: 64, headersTimeout: 30_000, bodyTimeout: 30_000 });
const target = `${upstream}/v1/chat/completions`;
const MAX_BODY = 1024 * 1024;

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_BODY) req.destroy();
    else chunks.push(c);
  });
  req.on('end', async () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as object;
      const up = await request(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, model: 'bench-model' }),
        dispatcher: agent,
      });
      const text = await up.body.text();
      JSON.parse(text);
      res.writeHead(up.statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    } catch {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"upstream failed","type":"api_error","param":null,"code":null}}');
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1');
