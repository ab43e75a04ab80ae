/** Miner selection and the integrity cross-check, as pure functions over miners' state. */
import { describe, expect, it } from 'vitest';
import { crossCheck, agree, overlap, RepeatDetector } from '../src/network/integrity/index.js';
import type { Neuron } from '../src/network/metagraph/index.js';
import { ExpertRegistry, PlanCache, gradeBand, availabilitySchema } from '../src/network/registry/index.js';
import { DEFAULT_SELECTION_WEIGHTS, MinerStates, rankMiners, type Candidate } from '../src/network/selection/index.js';

const neuron = (uid: number, extra: Partial<Neuron> = {}): Neuron => ({
  uid, hotkey: `hk${uid}`, coldkey: `ck${uid}`, stake: 100, active: true, validator_permit: false, incentive: 0.1, consensus: 0, dividends: 0, emission: 0, validator_trust: 0, last_update: 1000,
  axon: { ip: '127.0.0.1', port: 9000 + uid }, ...extra,
});

function field(neurons: Neuron[], weights?: Record<number, number>) {
  const states = new MinerStates({ failures: 2, halfOpenAfterMs: 60_000 });
  const cands: Candidate[] = neurons.map((n) => ({ neuron: n, state: states.of(n.uid, n.hotkey), ...(weights ? { validatorWeight: weights[n.uid] ?? 0 } : {}) }));
  return { states, cands };
}

const rank = (cands: Candidate[], extra: Partial<Parameters<typeof rankMiners>[1]> = {}) => rankMiners(cands, { k: 2, explore: 0, weights: DEFAULT_SELECTION_WEIGHTS, ...extra });

describe('selection', () => {
  it('ranks by validator weight when weights are published, on-chain incentive otherwise', () => {
    const { cands } = field([neuron(0, { incentive: 0.9 }), neuron(1, { incentive: 0.1 })], { 0: 0.1, 1: 0.9 });
    expect(rank(cands)[0].neuron.uid).toBe(1);
    const { cands: chain } = field([neuron(0, { incentive: 0.9 }), neuron(1, { incentive: 0.1 })]);
    expect(rank(chain)[0].neuron.uid).toBe(0);
  });

  it('prefers reliable, fast, idle miners, and every part stays in [0, 1]', () => {
    const { cands, states } = field([neuron(0), neuron(1), neuron(2)]);
    for (let i = 0; i < 5; i++) states.of(0, 'hk0').recordOutcome(false, 0);
    for (let i = 0; i < 5; i++) states.of(1, 'hk1').recordOutcome(true, 150);
    for (let i = 0; i < 5; i++) states.of(2, 'hk2').recordOutcome(true, 100);
    const ranked = rankMiners(cands, { k: 2, explore: 0, weights: DEFAULT_SELECTION_WEIGHTS });
    expect(ranked.map((r) => r.neuron.uid)).toEqual([2, 1, 0]);
    expect(ranked[2].score.reliability).toBe(0);
    expect(ranked[0].score.latency).toBe(1);
    expect(ranked[1].score.latency).toBeCloseTo(100 / 150, 3);
    states.of(2, 'hk2').stats.inFlight = 50;
    expect(rank(cands)[0].neuron.uid).toBe(1);
    for (const r of ranked) for (const v of Object.values(r.score)) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('leaves out inactive miners, miners without an axon and quarantined miners', () => {
    const { cands, states } = field([neuron(0, { active: false }), neuron(1, { axon: null }), neuron(2), neuron(3)]);
    states.of(3, 'hk3').quarantine(60_000);
    expect(rank(cands).map((r) => r.neuron.uid)).toEqual([2]);
    expect(states.of(3, 'hk3').successEwma).toBe(0);
  });

  it('starts afresh when the hotkey at a uid changes', () => {
    const { states } = field([neuron(0)]);
    states.of(0, 'hk0').recordOutcome(false, 0);
    expect(states.of(0, 'other').calls).toBe(0);
  });

  it('explores: with its probability, the least-measured miner outside the first k takes the k-th place', () => {
    const { cands, states } = field([neuron(0), neuron(1), neuron(2), neuron(3)]);
    for (const uid of [0, 1, 2]) for (let i = 0; i < 3; i++) states.of(uid, `hk${uid}`).recordOutcome(true, 100);
    const seq = [0.01, 0];
    const explored = rank(cands, { explore: 0.05, random: () => seq.shift() ?? 0 });
    expect(explored[1].neuron.uid).toBe(3);
    expect(rank(cands, { explore: 0.05, random: () => 0.99 })[1].neuron.uid).not.toBe(3);
  });

  it('puts specialists first whatever their score', () => {
    const { cands } = field([neuron(0, { incentive: 0.9 }), neuron(1, { incentive: 0.01 })]);
    expect(rank(cands, { specialists: new Set(['hk1']) })[0].neuron.uid).toBe(1);
  });
});

describe('expert registry and plan cache', () => {
  it('caches a plan per signature until what a miner serves changes', () => {
    const reg = new ExpertRegistry();
    const plans = new PlanCache(reg);
    reg.set('hk0', availabilitySchema.parse({ kinds: ['quiz'], subjects: ['math'] }));
    reg.set('hk1', availabilitySchema.parse({ kinds: ['lesson'] }));
    const sig = { kind: 'quiz', subject: 'math', band: gradeBand(4) };
    expect([...plans.specialists(sig, ['hk0', 'hk1'])]).toEqual(['hk0']);
    expect(plans.specialists(sig, ['hk0', 'hk1'])).toBe(plans.specialists(sig, ['hk0', 'hk1']));
    expect(plans.hits).toBe(2);
    reg.set('hk1', availabilitySchema.parse({ kinds: ['quiz'] }));
    expect([...plans.specialists(sig, ['hk0', 'hk1'])].sort()).toEqual(['hk0', 'hk1']);
    expect([...plans.specialists({ kind: 'quiz', subject: 'history', band: 'any' }, ['hk0', 'hk1'])]).toEqual(['hk1']);
  });

  it('does not count a change of load alone as a change of what a miner serves', () => {
    const reg = new ExpertRegistry();
    reg.set('hk0', availabilitySchema.parse({ kinds: ['quiz'], in_flight: 1 }));
    const v = reg.version;
    reg.set('hk0', availabilitySchema.parse({ kinds: ['quiz'], in_flight: 5 }));
    expect(reg.version).toBe(v);
    expect(gradeBand('adult')).toBe('adult');
    expect(gradeBand(0)).toBe('k-2');
    expect(gradeBand(11)).toBe('9-12');
  });
});

describe('integrity cross-check', () => {
  const a = { uid: 1, text: 'Volcanoes erupt when magma rises through the crust and lava flows out.', value: 'a' };
  const b = { uid: 2, text: 'Magma rises inside volcanoes; when it reaches the crust, lava flows and the volcano erupts.', value: 'b' };
  const canned = { uid: 3, text: 'Buy cheap watches now, limited offer, click the link.', value: 'c' };

  it('measures agreement on content words', () => {
    expect(agree(a.text, b.text)).toBe(true);
    expect(agree(a.text, canned.text)).toBe(false);
    expect(overlap('', '')).toBe(1);
    // JSON keys are not words said: content that shares only its shape does not agree
    expect(agree(JSON.stringify({ title: 'Buy watches', markdown: 'Cheap deals' }), JSON.stringify({ title: 'Volcanoes', markdown: a.text }))).toBe(false);
  });

  it('trust asks nobody; sampling asks a second miner only for its share of requests', async () => {
    let asked = 0;
    const ask = async () => (asked++, b);
    expect((await crossCheck(a, 'trust', 1, ask)).asked).toBe(0);
    expect((await crossCheck(a, 'sampling', 0.05, ask, () => 0.5)).asked).toBe(0);
    expect((await crossCheck(a, 'sampling', 0.05, ask, () => 0.01)).asked).toBe(1);
    expect(asked).toBe(1);
  });

  it('full: a third miner breaks a disagreement and the odd one out is caught', async () => {
    const order = [b, a];
    const caughtFirst = await crossCheck(canned, 'full', 0, async () => order.shift());
    expect(caughtFirst.answer.value).toBe('b');
    expect(caughtFirst.caught).toEqual([3]);
    const order2 = [canned, b];
    const caughtSecond = await crossCheck(a, 'full', 0, async () => order2.shift());
    expect(caughtSecond.answer.value).toBe('a');
    expect(caughtSecond.caught).toEqual([3]);
  });

  it('full refuses an answer nobody can check, and one no third miner agrees with', async () => {
    await expect(crossCheck(a, 'full', 0, async () => undefined)).rejects.toThrow(/no second miner/);
    const order = [canned, { uid: 4, text: 'Completely unrelated gardening tips about tomatoes.', value: 'd' }];
    await expect(crossCheck(a, 'full', 0, async () => order.shift())).rejects.toThrow(/disagree/);
    expect((await crossCheck(a, 'sampling', 1, async () => undefined)).answer.value).toBe('a');
  });
});

describe('canned answers', () => {
  it('flags the same answer given to two different requests, not the same request asked twice', () => {
    const r = new RepeatDetector(4);
    expect(r.repeats('hk', 'Buy cheap watches now', 'prompt 1')).toBe(false);
    expect(r.repeats('hk', 'Buy cheap watches now', 'prompt 1')).toBe(false);
    expect(r.repeats('hk', '  buy CHEAP watches   now ', 'prompt 2')).toBe(true);
    expect(r.repeats('other', 'Buy cheap watches now', 'prompt 3')).toBe(false);
  });

  it('sends two identical long answers to a third miner and catches both when it disagrees', async () => {
    const canned = 'Buy cheap watches now at the limited offer price, click the link for amazing deals today.';
    const twin = { uid: 8, text: canned, value: 'twin' };
    const honest = { uid: 9, text: 'Volcanoes erupt when magma rises through the crust.', value: 'h' };
    const order = [twin, honest];
    const err = await crossCheck({ uid: 7, text: canned, value: 'c' }, 'full', 0, async () => order.shift()).catch((e: unknown) => e as { caught?: number[] });
    expect(err.caught).toEqual([7, 8]);
    const agreeing = [{ uid: 8, text: canned, value: 'twin' }, { uid: 9, text: canned, value: 'same' }];
    expect((await crossCheck({ uid: 7, text: canned, value: 'c' }, 'full', 0, async () => agreeing.shift())).asked).toBe(2);
  });
});
