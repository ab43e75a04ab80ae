/**
 * Meters a learning job run (a next-lesson job runs without a request): its content calls are
 * records of their own, billed to the learner and to the API key whose submission queued the job.
 * That key's budget is charged what the run cost, never refused: the submission that queued it
 * was already admitted.
 */
import { randomBytes } from 'node:crypto';
import type { Gateway } from '../content/index.js';
import { toPolymathError } from '../errors.js';
import type { JobScope, MeteredRun } from '../learning/index.js';
import type { Runtime } from '../runtime.js';
import { statusOf } from '../server/errors.js';
import { CallMeter } from './call-meter.js';

export async function meterJobRun(rt: Pick<Runtime, 'meter' | 'keys' | 'budgets'>, job: JobScope, gateway: Gateway): Promise<MeteredRun> {
  const key = job.keyId ? ((await rt.keys.byId(job.keyId)) ?? null) : null;
  const parent = rt.meter.start(`job_${randomBytes(9).toString('base64url')}`, 'next_lesson', false);
  parent.claimed = true;
  parent.key = key;
  parent.user = job.learnerId;
  if (key) parent.reservation = await rt.budgets.open(key);
  const calls = new CallMeter(gateway, parent);
  return {
    gateway: calls.gateway,
    end(error) {
      if (error === undefined) return calls.end(200);
      const pe = toPolymathError(error);
      calls.end(statusOf(pe), pe);
    },
  };
}
