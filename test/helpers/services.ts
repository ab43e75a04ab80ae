/**
 * The real Postgres and Redis of this machine, for tests that need them. When one is unreachable
 * its tests are skipped and the reason is printed, never silently passed.
 */
import { connect } from 'node:net';

export const PG_URL = process.env.POLYMATH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.POLYMATH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(u.port || defaultPort), u.hostname);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function check(name: string, url: string, port: number): Promise<boolean> {
  const ok = await reachable(url, port);
  if (!ok) console.warn(`SKIPPED: ${name} is not reachable at ${url.replace(/\/\/[^@]*@/, '//')}; its tests are skipped.`);
  return ok;
}

export const postgresAvailable = await check('PostgreSQL', PG_URL, 5432);
export const redisAvailable = await check('Redis', REDIS_URL, 6379);
