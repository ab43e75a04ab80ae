/**
 * The admin API of keys (admin key only; see server/auth.ts):
 *   POST   /v1/admin/keys  {name, budget?: "0.50/day", rpm?, tpm?, routes?: [..]} → 201 the key, with `key` shown this once
 *   GET    /v1/admin/keys                                                         → {object: "list", data: [keys without secrets]}
 *   DELETE /v1/admin/keys/:id  (id or name)                                       → the revoked key
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PolymathError } from '../../errors.js';
import type { Runtime } from '../../runtime.js';
import { keyView } from '../../usage/keys.js';

const createBody = z
  .object({
    name: z.string().min(1).max(64),
    budget: z.string().max(64).optional(),
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    routes: z.array(z.string().min(1).max(64)).min(1).max(100).optional(),
  })
  .strict();

export function keyRoutes(app: FastifyInstance, rt: Runtime): void {
  app.post('/v1/admin/keys', async (request, reply) => {
    const parsed = createBody.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue.path.length ? issue.path.join('.') : null;
      throw new PolymathError('invalid_request', `${param ?? 'body'}: ${issue.message}`, { param, code: 'invalid_request' });
    }
    const { key, secret } = await rt.keys.create(parsed.data);
    return reply.code(201).header('cache-control', 'no-store').send({ ...keyView(key), key: secret });
  });

  app.get('/v1/admin/keys', async (_request, reply) => {
    const keys = await rt.keys.list();
    return reply.header('cache-control', 'no-store').send({ object: 'list', data: keys.map(keyView) });
  });

  app.delete<{ Params: { id: string } }>('/v1/admin/keys/:id', async (request, reply) => {
    const key = await rt.keys.revoke(request.params.id);
    if (!key) throw new PolymathError('not_found', `No key has the id or name "${request.params.id}".`, { code: 'key_not_found' });
    rt.budgets.forget(key.id);
    return reply.send({ ...keyView(key), deleted: true });
  });
}
