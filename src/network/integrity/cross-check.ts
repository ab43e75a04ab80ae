/**
 * Integrity levels of the subnet provider, applied to an answer that already verified:
 *   trust     signatures (and schemas) only;
 *   sampling  a share of answers is re-asked of a second miner;
 *   full      every answer is re-asked of a second miner.
 * When the two disagree a third breaks the tie: the answer the third agrees with wins and the
 * miner that disagreed is caught (quarantined by the caller). Two identical long answers also go
 * to a third miner; if it disagrees, both are caught (an error carrying `caught`). With no miner
 * left to ask, `sampling` keeps the answer and `full` refuses it.
 */
import { PolymathError } from '../../errors.js';
import { agree, spokenText } from './agreement.js';

export type IntegrityMode = 'trust' | 'sampling' | 'full';

/** The same words, spacing and case aside, and long enough that a match is not chance. */
function identical(a: string, b: string): boolean {
  const norm = (s: string) => spokenText(s).toLowerCase().replace(/\s+/g, ' ').trim();
  const x = norm(a);
  return x.split(' ').length >= 8 && x === norm(b);
}

export interface Answer<R> {
  uid: number;
  text: string;
  value: R;
}

export interface CheckResult<R> {
  answer: Answer<R>;
  /** uids that disagreed with the majority */
  caught: number[];
  /** extra miners asked */
  asked: number;
}

/**
 * `ask(exclude)` asks one more miner (none of `exclude`) the same request and answers its
 * verified answer, or undefined when no miner is left.
 */
export async function crossCheck<R>(
  first: Answer<R>,
  mode: IntegrityMode,
  rate: number,
  ask: (exclude: ReadonlySet<number>) => Promise<Answer<R> | undefined>,
  random: () => number = Math.random,
): Promise<CheckResult<R>> {
  if (mode === 'trust' || (mode === 'sampling' && random() >= rate)) return { answer: first, caught: [], asked: 0 };
  const exclude = new Set([first.uid]);
  const second = await ask(exclude);
  if (!second) {
    if (mode === 'full') throw new PolymathError('upstream_invalid', 'integrity "full": no second miner to cross-check the answer', { code: 'no_cross_check' });
    return { answer: first, caught: [], asked: 0 };
  }
  // Two independent generations rarely match word for word: identical long answers may be copied
  // or colluding, so they need a third opinion like a disagreement does.
  const twins = identical(first.text, second.text);
  if (!twins && agree(first.text, second.text)) return { answer: first, caught: [], asked: 1 };
  exclude.add(second.uid);
  const third = await ask(exclude);
  if (third && twins) {
    if (agree(first.text, third.text)) return { answer: first, caught: [], asked: 2 };
    throw Object.assign(new PolymathError('upstream_invalid', `integrity "${mode}": miners ${first.uid} and ${second.uid} gave the same answer and miner ${third.uid} disagrees with it`, { code: 'miners_disagree' }), { caught: [first.uid, second.uid] });
  }
  if (third) {
    if (agree(first.text, third.text)) return { answer: first, caught: [second.uid], asked: 2 };
    if (agree(second.text, third.text)) return { answer: second, caught: [first.uid], asked: 2 };
  }
  throw new PolymathError('upstream_invalid', `integrity "${mode}": miners ${first.uid} and ${second.uid} disagree and no third agrees with either`, { code: 'miners_disagree' });
}
