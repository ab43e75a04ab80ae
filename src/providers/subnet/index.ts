/**
 * The `subnet` provider: a Bittensor subnet's miners behind the provider seam. For each call it
 * ranks the eligible miners (selection), asks k of them at once with signed requests (race), keeps
 * the first answer whose signature comes from the hotkey of the uid called (and, for content, that
 * passes its schema), and applies the configured integrity level. Content requests go to the
 * miners' content endpoints, specialists first (expert registry, plan cache).
 */
import { Agent } from 'undici';
import type { SubnetConfig } from '../../config/subnet.js';
import { isKind } from '../../content/schemas/index.js';
import { gradeOf, type Persona } from '../../content/persona.js';
import { PolymathError } from '../../errors.js';
import { ReplayCache } from '../../network/epistula.js';
import { crossCheck, RepeatDetector, type Answer } from '../../network/integrity/index.js';
import { createMetagraphSource, Metagraph } from '../../network/metagraph/index.js';
import { ExpertRegistry, gradeBand, PlanCache, type Signature } from '../../network/registry/index.js';
import { MinerStates, rankMiners, type Candidate, type Ranked } from '../../network/selection/index.js';
import { loadHotkey, type Hotkey } from '../../network/wallet/index.js';
import { openStream, type OpenStream } from '../../routing/attempt.js';
import { chunksFromCompletion } from '../completion-from-text.js';
import type { CallContext, ChatRequest, ChatResult, Provider, StreamEvent } from '../types.js';
import { sendCanary } from './canary.js';
import { chatMiner, contentMiner, streamMiner, type CallEnv } from './miner-call.js';
import { race, type Won } from './race.js';
import { minerViews, type MinerView } from './view.js';
import { WeightsFeed } from './weights-feed.js';

export interface IntegrityStats {
  checked: number;
  caught: number;
  canaries: number;
  canaries_failed: number;
}

const NO_PHASES = { started() {}, firstContent() {} };
/** Answers of a new miner that `sampling` cross-checks before it samples at its rate. */
const PROBATION_CALLS = 3;

export class SubnetProvider implements Provider {
  readonly type = 'subnet';
  readonly mode = 'custom' as const;
  readonly capabilities = { jsonSchema: true, embeddings: false, streaming: true };
  readonly defaultModel: string;
  readonly models: readonly string[];
  readonly states: MinerStates;
  readonly registry = new ExpertRegistry();
  readonly plans: PlanCache;
  private readonly agent: Agent;
  private readonly replay = new ReplayCache();
  private readonly repeats = new RepeatDetector();
  private readonly weights: WeightsFeed | undefined;
  private metagraph: Metagraph | undefined;
  private signer: Hotkey | undefined;
  private timers: NodeJS.Timeout[] = [];
  /** integrity counters, shown by the admin view: answers checked, miners caught, canaries sent and failed */
  readonly integrityStats: IntegrityStats = { checked: 0, caught: 0, canaries: 0, canaries_failed: 0 };
  /** for tests: the source of randomness (exploration, sampling) */
  random: () => number = Math.random;

  constructor(
    readonly id: string,
    private readonly cfg: SubnetConfig,
  ) {
    this.defaultModel = cfg.default_model;
    this.models = [...new Set([cfg.default_model, ...cfg.models])];
    this.states = new MinerStates({ failures: cfg.breaker.failures, halfOpenAfterMs: cfg.breaker.half_open_after_ms });
    this.plans = new PlanCache(this.registry);
    this.agent = new Agent({ connections: cfg.max_connections, connect: { timeout: cfg.connect_timeout_ms }, keepAliveTimeout: 30_000 });
    if (cfg.weights_url) this.weights = new WeightsFeed(cfg.weights_url, cfg.netuid, 5_000);
  }

  async start(): Promise<void> {
    this.signer = await loadHotkey(this.cfg.wallet);
    const m = this.cfg.metagraph;
    this.metagraph = new Metagraph(createMetagraphSource(m, {}), { netuid: this.cfg.netuid, refreshMs: m.refresh_ms, timeoutMs: m.timeout_ms });
    await this.metagraph.start();
    await Promise.all([this.pollAvailability(), this.weights?.refresh()]);
    this.every(this.cfg.availability_refresh_ms, () => this.pollAvailability());
    if (this.weights) this.every(this.cfg.weights_refresh_ms, () => this.weights!.refresh());
  }

  private every(ms: number, fn: () => Promise<void>): void {
    let running = false;
    const t = setInterval(() => {
      if (running) return;
      running = true;
      fn().finally(() => (running = false));
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  pollAvailability(): Promise<void> {
    if (!this.metagraph || !this.signer) return Promise.resolve();
    return this.registry.poll(this.metagraph.neurons(), this.agent, this.signer, Math.min(5_000, this.cfg.timeout_ms));
  }

  /** Fetches the validator's weights now (they are also fetched every `weights_refresh_ms`). */
  async refreshWeights(): Promise<void> {
    await this.weights?.refresh();
  }

  private env(): CallEnv {
    if (!this.signer) throw new PolymathError('no_healthy_target', `${this.id}: the subnet provider has not started`, { provider: this.id });
    return { provider: this.id, agent: this.agent, signer: this.signer, replay: this.replay, timeoutMs: this.cfg.timeout_ms };
  }

  candidates(): Candidate[] {
    const neurons = this.metagraph?.neurons() ?? [];
    return neurons.map((neuron) => ({
      neuron,
      state: this.states.of(neuron.uid, neuron.hotkey),
      ...(this.weights ? { validatorWeight: this.weights.weightOf(neuron.uid, neuron.hotkey) ?? 0 } : {}),
    }));
  }

  /** The request's candidates in order: content requests put the miners that serve their kind and subject first. */
  rank(ctx: Pick<CallContext, 'intent'>): Ranked[] {
    const cands = this.candidates();
    let specialists: Set<string> | undefined;
    if (ctx.intent) {
      const persona = ctx.intent.persona as Persona | undefined;
      const subject = ctx.intent.options?.subject;
      const sig: Signature = {
        kind: ctx.intent.kind,
        band: gradeBand(gradeOf(persona)),
        ...(typeof subject === 'string' ? { subject } : {}),
        ...(persona?.language ? { language: persona.language } : {}),
      };
      specialists = this.plans.specialists(sig, cands.map((c) => c.neuron.hotkey));
    }
    const s = this.cfg.selection;
    return rankMiners(cands, { k: s.k, explore: s.explore, weights: s.weights, ...(specialists ? { specialists } : {}), random: this.random });
  }

  async chat(req: ChatRequest, ctx: CallContext): Promise<ChatResult> {
    const env = this.env();
    const content = ctx.intent && isKind(ctx.intent.kind) ? ctx.intent : undefined;
    const integrity = this.cfg.integrity;
    const requestKey = content ? JSON.stringify([content.kind, content.topic, content.text, content.persona, content.options]) : JSON.stringify(req.messages);
    const call = async (r: Ranked, signal: CallContext['signal']) => {
      const result = content ? await contentMiner(env, r.neuron, content, ctx.model, signal) : await chatMiner(env, r.neuron, req, ctx.model, signal);
      // beyond trust: the same answer to two different requests is canned, not generated
      if (integrity.mode !== 'trust' && this.repeats.repeats(r.neuron.hotkey, answerText(result), requestKey)) {
        this.integrityStats.caught++;
        r.state.quarantine(integrity.quarantine_ms);
        throw new PolymathError('upstream_invalid', `${this.id} miner uid ${r.neuron.uid}: the same answer as to another request (canned); quarantined`, { provider: this.id, code: 'canned_answer' });
      }
      return result;
    };
    const ranked = this.rank(ctx);
    const s = this.cfg.selection;
    const won = await race(ranked, { k: s.k, maxCalls: s.max_calls, signal: ctx.signal, provider: this.id }, call);
    won.settle(undefined, won.latencyMs);
    if (integrity.mode === 'trust') return won.value;
    const used = new Set([won.winner.neuron.uid, ...won.failed.map((f) => f.neuron.uid)]);
    const ask = async (exclude: ReadonlySet<number>): Promise<Answer<ChatResult> | undefined> => {
      const rest = ranked.filter((r) => !exclude.has(r.neuron.uid) && !used.has(r.neuron.uid));
      if (rest.length === 0) return undefined;
      try {
        const w = await race(rest, { k: 1, maxCalls: s.max_calls, signal: ctx.signal, provider: this.id }, call);
        w.settle(undefined, w.latencyMs);
        for (const f of w.failed) used.add(f.neuron.uid);
        used.add(w.winner.neuron.uid);
        return { uid: w.winner.neuron.uid, text: answerText(w.value), value: w.value };
      } catch (err) {
        if ((err as PolymathError).kind === 'client_closed') throw err;
        return undefined;
      }
    };
    // a miner on probation (its first few answers to this gateway) is always cross-checked under sampling
    const probation = won.winner.state.calls <= PROBATION_CALLS;
    let rate = probation ? 1 : integrity.rate;
    if (integrity.mode === 'sampling' && !probation) {
      if (this.random() >= integrity.rate) return won.value;
      rate = 1;
      // sampled: a share of these is checked with a canary put to the same miner instead of a second miner
      if (this.random() < integrity.canary) return this.canaryChecked(env, won, ctx, ask);
    }
    const catchAll = (uids: readonly number[]) => {
      for (const uid of uids) {
        this.integrityStats.caught++;
        const n = this.metagraph?.byUid(uid);
        if (n) this.states.of(uid, n.hotkey).quarantine(integrity.quarantine_ms);
      }
    };
    let checked;
    try {
      checked = await crossCheck({ uid: won.winner.neuron.uid, text: answerText(won.value), value: won.value }, integrity.mode, rate, ask, this.random);
    } catch (err) {
      this.integrityStats.checked++;
      catchAll((err as { caught?: number[] }).caught ?? []);
      throw err;
    }
    if (checked.asked > 0) this.integrityStats.checked++;
    catchAll(checked.caught);
    return checked.answer.value;
  }

  /**
   * Puts a canary to the miner whose answer won. A wrong canary answer quarantines the miner and
   * throws its answer away: the client's request goes to the next miner (or, with none left, fails
   * over to the route's next target). The canary's own answer is never returned.
   */
  private async canaryChecked(env: CallEnv, won: Won<ChatResult>, ctx: CallContext, ask: (exclude: ReadonlySet<number>) => Promise<Answer<ChatResult> | undefined>): Promise<ChatResult> {
    this.integrityStats.checked++;
    this.integrityStats.canaries++;
    const verdict = await sendCanary(env, won.winner, ctx.model, ctx.signal);
    if (verdict !== 'failed') return won.value;
    this.integrityStats.canaries_failed++;
    this.integrityStats.caught++;
    won.winner.state.quarantine(this.cfg.integrity.quarantine_ms);
    const uid = won.winner.neuron.uid;
    const other = await ask(new Set([uid]));
    if (!other) throw new PolymathError('upstream_invalid', `${this.id} miner uid ${uid} failed a canary (quarantined) and no other miner answered`, { provider: this.id, code: 'canary_failed' });
    return other.value;
  }

  async *stream(req: ChatRequest, ctx: CallContext): AsyncIterable<StreamEvent> {
    if (ctx.intent && isKind(ctx.intent.kind)) {
      // content endpoints answer whole objects: the verified object is streamed as chunks
      const { body } = await this.chat(req, ctx);
      yield* chunksFromCompletion(body, req);
      return;
    }
    const env = this.env();
    const s = this.cfg.selection;
    const won = await race<OpenStream>(
      this.rank(ctx),
      { k: s.k, maxCalls: s.max_calls, signal: ctx.signal, provider: this.id, discard: (o) => void o.rest.return?.().catch(() => {}) },
      (r, signal) => openStream(streamMiner(env, r.neuron, req, ctx.model, signal), NO_PHASES, this.id),
    );
    // committed to this miner: a failure from here on is the client's to see, and the miner's to answer for
    let ok = false;
    try {
      for (const e of won.value.head) yield e;
      for (;;) {
        const next = await won.value.rest.next();
        if (next.done) break;
        yield next.value;
      }
      ok = true;
    } catch (err) {
      const pe = err instanceof PolymathError ? err : new PolymathError('upstream_error', String(err), { provider: this.id });
      won.settle(pe);
      if (pe.details.code === 'bad_answer_signature' || pe.details.code === 'wrong_answer_signer' || pe.details.code === 'unsigned_answer') {
        this.states.of(won.winner.neuron.uid, won.winner.neuron.hotkey).quarantine(this.cfg.integrity.quarantine_ms);
      }
      throw pe;
    } finally {
      if (ok) won.settle(undefined, won.latencyMs);
      else {
        won.settle(null);
        await won.value.rest.return?.().catch(() => {});
      }
    }
  }

  async health(): Promise<boolean> {
    return this.rank({}).length > 0;
  }

  /** What GET /v1/admin/providers shows for this provider: each miner's score parts and state. */
  describe(): { metagraph_age_ms: number | null; weights: number | null; integrity: IntegrityStats; miners: MinerView[] } {
    return {
      metagraph_age_ms: this.metagraph?.ageMs() ?? null,
      weights: this.weights ? this.weights.size : null,
      integrity: { ...this.integrityStats },
      miners: minerViews(this.candidates(), this.cfg.selection.weights, this.registry),
    };
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.metagraph?.stop();
    await this.agent.close();
  }
}

function answerText(r: ChatResult): string {
  const c = r.body.choices[0]?.message.content;
  return typeof c === 'string' ? c : '';
}
