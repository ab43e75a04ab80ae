/**
 * The canary half of `sampling`: a request whose answer is known (integrity's canaries, the same
 * the validator sends) is put to the miner that just answered, as an ordinary signed chat call
 * within the miner's deadline. Its answer is read only here: it never reaches a client.
 */
import { performance } from 'node:perf_hooks';
import type { Signal } from '../../abort.js';
import { PolymathError, toPolymathError } from '../../errors.js';
import { makeCanary, passesCanary } from '../../network/integrity/index.js';
import type { Ranked } from '../../network/selection/index.js';
import { chatMiner, type CallEnv } from './miner-call.js';
import { track } from './race.js';

/** Room for the code in the answer; a canary needs no more. */
const CANARY_MAX_TOKENS = 64;

/**
 * `passed` or `failed` (a wrong answer: the miner is caught); `error` when the call itself failed
 * (counted against the miner's reliability and breaker like any failed call, but not proof of
 * cheating). A client that goes away aborts the canary and throws.
 */
export async function sendCanary(env: CallEnv, miner: Ranked, model: string, signal: Signal): Promise<'passed' | 'failed' | 'error'> {
  const canary = makeCanary();
  const settle = track(miner.state);
  const t0 = performance.now();
  try {
    const result = await chatMiner(env, miner.neuron, { model, messages: [{ role: 'user', content: canary.prompt }], max_tokens: CANARY_MAX_TOKENS }, model, signal);
    settle(undefined, performance.now() - t0);
    const text = result.body.choices[0]?.message.content;
    return passesCanary(canary, typeof text === 'string' ? text : '') ? 'passed' : 'failed';
  } catch (err) {
    if (signal.aborted) {
      settle(null);
      throw new PolymathError('client_closed', 'the client closed the request');
    }
    settle(toPolymathError(err, 'upstream_error'));
    return 'error';
  }
}
