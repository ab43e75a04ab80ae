/**
 * Mastery by Bayesian Knowledge Tracing: the update documented in src/learning/bkt.ts, checked
 * value by value for a crafted answer sequence, and its promise that a right answer never lowers
 * mastery and a wrong one never raises it.
 */
import { describe, expect, it } from 'vitest';
import { learningSchema } from '../src/config/learning.js';
import { bktParamsFor, bktUpdate } from '../src/learning/bkt.js';

const P = { prior: 0.3, learn: 0.3, guess: 0.2, slip: 0.1 };

/** The formula written out: posterior from the answer with guess and slip, then L + T(P − L). */
function formula(l: number, correct: boolean, p = P): number {
  const posterior = correct ? (l * (1 - p.slip)) / (l * (1 - p.slip) + (1 - l) * p.guess) : (l * p.slip) / (l * p.slip + (1 - l) * (1 - p.guess));
  return l + p.learn * (posterior - l);
}

describe('BKT', () => {
  it('gives the formula’s values for a crafted sequence of answers', () => {
    const answers = [true, true, false, true, false, false, true];
    // computed independently (Python, double precision) from L0 = 0.3, T = 0.3, G = 0.2, S = 0.1
    const expected = [0.4075609756097561, 0.5120454597273519, 0.39322002564837566, 0.4986490928280499, 0.38222792654247373, 0.28909592464899303, 0.39635887890503296];
    let l = P.prior;
    let f = P.prior;
    answers.forEach((correct, i) => {
      l = bktUpdate(l, correct, P);
      f = formula(f, correct);
      expect(l).toBeCloseTo(expected[i], 15);
      expect(l).toBe(f);
    });
  });

  it('never lowers mastery after a right answer nor raises it after a wrong one', () => {
    for (const guess of [0, 0.1, 0.25, 0.4]) {
      for (const slip of [0, 0.05, 0.2, 0.4]) {
        for (const learn of [0, 0.1, 0.5, 1]) {
          for (let l = 0; l <= 1.0001; l += 0.05) {
            const p = { prior: 0.3, learn, guess, slip };
            expect(bktUpdate(l, true, p)).toBeGreaterThanOrEqual(l - 1e-12);
            expect(bktUpdate(l, false, p)).toBeLessThanOrEqual(l + 1e-12);
          }
        }
      }
    }
  });

  it('does not raise a low mastery after a wrong answer, where textbook BKT does', () => {
    const p = { prior: 0.1, learn: 0.2, guess: 0.2, slip: 0.1 };
    const textbook = (l: number) => {
      const post = (l * p.slip) / (l * p.slip + (1 - l) * (1 - p.guess));
      return post + (1 - post) * p.learn;
    };
    expect(textbook(0.1)).toBeGreaterThan(0.1);
    expect(bktUpdate(0.1, false, p)).toBeLessThan(0.1);
  });

  it('takes per-concept overrides over the configured defaults', () => {
    const cfg = learningSchema.parse({ bkt: { prior: 0.4 }, concepts: { fractions: { guess: 0.3 } } });
    expect(bktParamsFor(cfg, 'fractions')).toEqual({ prior: 0.4, learn: cfg.bkt.learn, guess: 0.3, slip: cfg.bkt.slip });
    expect(bktParamsFor(cfg, 'decimals')).toEqual(cfg.bkt);
  });

  it('refuses parameters that are not probabilities', () => {
    expect(learningSchema.safeParse({ bkt: { slip: 1.5 } }).success).toBe(false);
    expect(learningSchema.safeParse({ mastery_threshold: -0.1 }).success).toBe(false);
  });
});
