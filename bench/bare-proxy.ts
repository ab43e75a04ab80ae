/**
 * The floor for any Node gateway: Fastify and undici forwarding the same request with no logic
 * at all (no validation, routing, metering or logging). bench:overhead measures it beside
 * Polymath so the cost of the extra hop and the cost of Polymath's own work can be told apart.
 * Usage: bare-proxy.ts <upstream origin> <port>
 */
import Fastify from 'fastify';
import { Agent, request } from 'undici';

const [upstream, port] = process.argv.slice(2);
const agent = new Agent({ connections: 64 });
const app = Fastify();
app.post('/v1/chat/completions', async (req, reply) => {
  const res = await request(`${upstream}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...(req.body as object), model: 'bench-model' }),
    dispatcher: agent,
  });
  const text = await res.body.text();
  JSON.parse(text);
  return reply.code(res.statusCode).header('content-type', 'application/json').send(text);
});
app.get('/health', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port: Number(port) });
