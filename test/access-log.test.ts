import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AccessLog } from '../src/telemetry/access-log.js';
import { createLogger } from '../src/telemetry/logger.js';

function capture(level: 'info' | 'warn' | 'silent' = 'info') {
  const out = new PassThrough();
  const lines: string[] = [];
  out.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
  return { logger: createLogger(level, out), lines };
}

const FIELDS = {
  reqId: '0192d3c4-aaaa-7bbb-8ccc-123456789abc',
  endpoint: 'chat',
  route: null,
  provider: 'up',
  model: 'odd "model"\n\u2028é\u0001',
  status: 200,
  latency_ms: 12.34,
  ttft_ms: undefined,
  attempts: 1,
  cost_usd: 0.0000063,
};

describe('access log line', () => {
  it('is the line pino writes for the same fields, in the same order (but the time)', async () => {
    const { logger, lines } = capture();
    logger.info(FIELDS, 'request completed');
    new AccessLog(logger).write('info', FIELDS, 'request completed');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(2);
    const [viaPino, ours] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(typeof ours.time).toBe('number');
    expect(Math.abs((ours.time as number) - (viaPino.time as number))).toBeLessThan(5_000);
    const { time: _a, ...p } = viaPino;
    const { time: _b, ...o } = ours;
    expect(Object.entries(o)).toEqual(Object.entries(p));
    expect(o).toMatchObject({ level: 30, service: 'polymath', model: FIELDS.model, route: null, msg: 'request completed' });
    expect('ttft_ms' in o).toBe(false);
  });

  it('writes a failure at warn, a non-finite number as null, and nothing below the level', async () => {
    const warnOnly = capture('warn');
    const log = new AccessLog(warnOnly.logger);
    log.write('info', { reqId: 'a' }, 'request completed');
    log.write('warn', { reqId: 'b', latency_ms: Number.NaN, error: 'x' }, 'request failed');
    const silent = capture('silent');
    new AccessLog(silent.logger).write('warn', { reqId: 'c' }, 'request failed');
    await new Promise((r) => setImmediate(r));
    expect(warnOnly.lines.map((l) => JSON.parse(l))).toEqual([{ level: 40, time: expect.any(Number), service: 'polymath', reqId: 'b', latency_ms: null, error: 'x', msg: 'request failed' }]);
    expect(silent.lines).toEqual([]);
  });

  it('goes through pino itself for a logger it does not know the destination of', () => {
    const seen: string[] = [];
    const logger = pino({ base: { app: 'x' } }, { write: (l: string) => void seen.push(l) });
    new AccessLog(logger).write('info', { reqId: 'd', status: 200 }, 'request completed');
    expect(JSON.parse(seen[0])).toMatchObject({ level: 30, app: 'x', reqId: 'd', status: 200, msg: 'request completed' });
  });
});
