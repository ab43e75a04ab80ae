/** The validator's arithmetic: scores, multipliers and their cap, EMA, weights, u16 form, rate limit, the chain signer. */
import { cryptoWaitReady, mnemonicGenerate, sr25519Verify } from '@polkadot/util-crypto';
import { describe, expect, it } from 'vitest';
import { keyringPairOf, nextEma, normalize, RateLimit, scoreRound, timeliness, toU16, withMultiplier, pickTask } from '../src/network/validator/index.js';
import type { ChallengeAnswer } from '../src/network/validator/index.js';
import { hotkeyFromMnemonic } from '../src/network/wallet/index.js';
import { SAMPLES } from './content-fixtures.js';

const ans = (uid: number, text: string, extra: Partial<ChallengeAnswer> = {}): ChallengeAnswer => ({ uid, hotkey: `hk${uid}`, ok: true, text, latencyMs: 100, ...extra });

describe('validator scoring', () => {
  it('caps the product with the mode multiplier at 100 (80 × 1.5 = 120 → 100)', () => {
    expect(withMultiplier(80, 1.5)).toBe(100);
    expect(withMultiplier(80, 0.5)).toBe(40);
  });

  it('scores a canary by its known code, and a failed answer 0', () => {
    const task = { type: 'canary' as const, prompt: 'Reply with exactly this code: canary-1234', expect: 'canary-1234' };
    const s = scoreRound(task, [ans(0, 'canary-1234'), ans(1, 'I like cats'), ans(2, '', { ok: false, error: 'timeout' })], () => 1, 10_000);
    expect(s.map((x) => x.score)).toEqual([100, 0, 0]);
    expect(s[2].error).toBe('timeout');
  });

  it('scores agreement with the other miners: a canned answer gets nothing, honest ones agree', () => {
    const task = { type: 'chat' as const, prompt: 'Explain volcanoes', topic: 'volcanoes' };
    const honest = 'Volcanoes erupt when magma rises through the crust and lava flows out of the volcano.';
    const s = scoreRound(task, [ans(0, honest), ans(1, `${honest} Ash clouds form too.`), ans(2, 'Buy cheap watches now, limited offer.')], () => 1, 10_000);
    expect(s[0].score).toBeGreaterThan(60);
    expect(s[1].score).toBeGreaterThan(60);
    expect(s[2].score).toBe(0);
  });

  it('runs the content engine\'s pedagogy checks on content answers', () => {
    const task = { type: 'content' as const, kind: 'quiz' as const, topic: 'volcanoes', persona: { grade: 5 } };
    const good = SAMPLES.quiz;
    const bad = { ...good, questions: good.questions.map((q) => (q.type === 'multiple_choice' ? { ...q, options: [q.options[0], q.options[0], q.options[0]] } : q)) };
    const s = scoreRound(task, [ans(0, JSON.stringify(good), { content: good }), ans(1, JSON.stringify(bad), { content: bad })], () => 1, 10_000);
    expect(s[0].parts.pedagogy).toBeGreaterThan(s[1].parts.pedagogy);
    expect(s[0].score).toBeGreaterThan(s[1].score);
  });

  it('lowers timeliness past a quarter of the deadline, to 0.2 at it', () => {
    expect(timeliness(2_000, 10_000)).toBe(1);
    expect(timeliness(10_000, 10_000)).toBeCloseTo(0.2);
    expect(timeliness(6_250, 10_000)).toBeCloseTo(0.6);
  });

  it('picks tasks by their shares', () => {
    let i = 0;
    const seq = [0.1, 0.5, 0.5, 0.5, 0.8, 0.5, 0.95];
    const random = () => seq[i++ % seq.length];
    const types = [pickTask({ content: 0.7, chat: 0.2, canary: 0.1 }, random).type, pickTask({ content: 0.7, chat: 0.2, canary: 0.1 }, random).type];
    expect(types[0]).toBe('content');
    expect(pickTask({ content: 0, chat: 0, canary: 1 }).type).toBe('canary');
  });
});

describe('EMA and weights', () => {
  it('moves the EMA by alpha and restarts it when the hotkey at the uid changes', () => {
    const a = nextEma(undefined, 3, 'hkA', 100, 0.3);
    const b = nextEma(a, 3, 'hkA', 0, 0.3);
    expect(b.ema).toBeCloseTo(70);
    expect(b.rounds).toBe(2);
    const c = nextEma(b, 3, 'hkB', 10, 0.3);
    expect(c).toMatchObject({ hotkey: 'hkB', ema: 10, rounds: 1 });
  });

  it('normalizes weights to sum 1 and converts them to u16 with the largest at 65535, zeros left out', () => {
    const entries = [
      { uid: 2, hotkey: 'b', ema: 30, last_score: 0, rounds: 1, updated_at: 0 },
      { uid: 0, hotkey: 'a', ema: 60, last_score: 0, rounds: 1, updated_at: 0 },
      { uid: 5, hotkey: 'c', ema: 0, last_score: 0, rounds: 1, updated_at: 0 },
      { uid: 7, hotkey: 'd', ema: 0.0001, last_score: 0, rounds: 1, updated_at: 0 },
    ];
    const w = normalize(entries);
    expect(w.map((x) => x.uid)).toEqual([0, 2, 7]);
    expect(w.reduce((s, x) => s + x.weight, 0)).toBeCloseTo(1);
    const u = toU16(w);
    expect(u.uids).toEqual([0, 2]);
    expect(u.values).toEqual([65535, 32768]);
    expect(toU16([])).toEqual({ uids: [], values: [] });
  });

  it('rate-limits set_weights', () => {
    const r = new RateLimit(1_000);
    expect(r.ready(0)).toBe(true);
    r.mark(0);
    expect(r.ready(999)).toBe(false);
    expect(r.ready(1_000)).toBe(true);
  });

  it('signs extrinsic payloads with the hotkey, with the sr25519 MultiSignature byte when asked', async () => {
    await cryptoWaitReady();
    const hk = hotkeyFromMnemonic(mnemonicGenerate());
    const pair = keyringPairOf(hk);
    const payload = new Uint8Array([1, 2, 3, 4]);
    const typed = pair.sign(payload, { withType: true });
    expect(typed[0]).toBe(1);
    expect(typed.length).toBe(65);
    expect(sr25519Verify(payload, typed.subarray(1), hk.publicKey)).toBe(true);
    expect(pair.address).toBe(hk.ss58);
  });
});
