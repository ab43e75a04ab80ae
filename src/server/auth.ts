/**
 * Who is calling: `Authorization: Bearer <key>` or `x-api-key: <key>`. Auth is in force once any
 * key exists, when `auth.required` is set, or whenever the server listens on a non-loopback
 * address; a request without a live key then gets 401 `invalid_api_key`. /v1/admin/* takes only
 * the admin key (`auth.admin_key`, or POLYMATH_ADMIN_KEY); with auth not in force and no admin
 * key configured, it stays open as before. The key is compared by its sha256; nothing here logs it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { PolymathError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { RequestContext, RequestStage } from './pipeline.js';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ''));
}

/** The key a request carries, or undefined. */
export function secretOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') return auth.slice(7).trim() || undefined;
  const x = request.headers['x-api-key'];
  return typeof x === 'string' && x.length > 0 ? x : undefined;
}

const missing = () => new PolymathError('unauthorized', "You didn't provide an API key. Send it as `Authorization: Bearer <key>` (or `x-api-key`).", { code: 'invalid_api_key' });
const invalid = (secret: string) =>
  new PolymathError('unauthorized', `Incorrect API key provided: ${secret.length > 10 ? `${secret.slice(0, 3)}…${secret.slice(-4)}` : '***'}.`, { code: 'invalid_api_key' });

export function authStage(rt: Runtime): RequestStage {
  const adminKey = rt.config.auth.admin_key ?? process.env.POLYMATH_ADMIN_KEY;
  const adminHash = adminKey ? createHash('sha256').update(adminKey).digest() : undefined;
  const alwaysRequired = rt.config.auth.required || !isLoopback(rt.config.server.host);
  const isAdmin = (secret: string) => adminHash !== undefined && timingSafeEqual(createHash('sha256').update(secret).digest(), adminHash);

  /** Whether auth is in force: required by config or address, or some key exists. */
  const required = (): boolean | Promise<boolean> => alwaysRequired || (rt.keys.existsCached() ?? rt.keys.exists());

  const admin = async (ctx: RequestContext, secret: string | undefined) => {
    if (secret !== undefined && isAdmin(secret)) {
      ctx.admin = true;
      return;
    }
    if (adminHash === undefined && !(await required())) return;
    if (adminHash === undefined) throw new PolymathError('unauthorized', 'The admin API needs the admin key, and none is set: set POLYMATH_ADMIN_KEY (or auth.admin_key) and restart.', { code: 'invalid_api_key' });
    throw secret === undefined ? missing() : invalid(secret);
  };

  return {
    name: 'auth',
    phase: 'request',
    run(ctx, request) {
      const secret = secretOf(request);
      if (request.url.startsWith('/v1/admin/')) return admin(ctx, secret);
      if (secret === undefined) {
        const r = required();
        if (r === true) throw missing();
        if (r === false) return;
        return r.then((on) => {
          if (on) throw missing();
        });
      }
      const known = rt.keys.peek(secret);
      if (known) {
        ctx.key = known;
        return;
      }
      return (async () => {
        const key = known === null ? null : await rt.keys.find(secret);
        if (key) {
          ctx.key = key;
          return;
        }
        if (isAdmin(secret)) {
          ctx.admin = true;
          return;
        }
        // With auth not in force, an unknown key is ignored (clients often send a placeholder).
        if (await required()) throw invalid(secret);
      })();
    },
  };
}
