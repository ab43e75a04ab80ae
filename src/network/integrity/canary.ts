/**
 * Canaries: requests whose right answer is known in advance (a fresh random code the miner must
 * repeat), so a miner's answer can be judged with no second miner. The validator mixes them into
 * its challenges; the gateway's `sampling` level sends them in place of a share of its re-asks.
 */
import { randomBytes } from 'node:crypto';

export interface Canary {
  prompt: string;
  /** what a right answer contains */
  expect: string;
}

export function makeCanary(): Canary {
  const code = `canary-${randomBytes(4).toString('hex')}`;
  return { expect: code, prompt: `Reply with exactly this code and nothing else: ${code}` };
}

/** Whether an answer to the canary is right: it repeats the code. */
export function passesCanary(canary: Pick<Canary, 'expect'>, answer: string): boolean {
  return answer.includes(canary.expect);
}
