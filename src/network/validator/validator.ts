/**
 * The challenge loop. Each round picks up to `sample_size` serving miners (never-challenged ones
 * first, then the longest unchallenged), sends every one of them the same signed task, verifies
 * and scores each answer (score.ts), checks `local` claims (local-check.ts), folds the scores into
 * each uid's EMA in the store, and, when a subtensor URL is configured, sets weights on chain
 * within the rate limit.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { Agent } from 'undici';
import type { ValidatorConfig } from '../../config/validator.js';
import type { Gateway } from '../../content/index.js';
import { chatMiner, contentMiner, type CallEnv } from '../../providers/subnet/miner-call.js';
import type { ChatResult } from '../../providers/types.js';
import type { Store } from '../../store/index.js';
import { ScoreStore } from '../../store/validator-scores.js';
import { Abort } from '../../abort.js';
import { ReplayCache } from '../epistula.js';
import { RepeatDetector } from '../integrity/index.js';
import type { Neuron } from '../metagraph/index.js';
import { fetchAvailability, type Availability } from '../registry/index.js';
import type { Hotkey } from '../wallet/index.js';
import { RateLimit, setWeightsOnChain } from './chain.js';
import { LocalModeCheck, type Verdict } from './local-check.js';
import { scoreRound, type ChallengeAnswer, type Mode, type Scored } from './score.js';
import { pickTask, type Task } from './tasks.js';
import { nextEma, normalize, type EmaEntry, type Weight } from './weights.js';

export interface NeuronSource {
  neurons(): readonly Neuron[];
}

export interface ValidatorDeps {
  cfg: ValidatorConfig;
  netuid: number;
  hotkey: Hotkey;
  metagraph: NeuronSource;
  store: Store;
  /** the validator's own gateway (router + executor), for the local-mode check's reference */
  gateway: Gateway;
  logger: Logger;
  random?: () => number;
}

export interface RoundReport {
  round: number;
  task: Task['type'];
  scored: Array<Scored & { mode: Mode | null; local_check: Verdict | null }>;
}

export interface PublishedWeights {
  netuid: number;
  updated_at: string | null;
  weights: Weight[];
}

/** Model name sent to miners when a task does not name one. */
const MINER_MODEL = 'default';

export class Validator {
  private readonly emas = new Map<number, EmaEntry>();
  private readonly lastChallenged = new Map<number, number>();
  private readonly scores: ScoreStore;
  private readonly agent: Agent;
  private readonly env: CallEnv;
  private readonly localCheck: LocalModeCheck;
  private readonly chainLimit: RateLimit;
  private timer: NodeJS.Timeout | undefined;
  /** aborted by stop(): ends a set_weights under way */
  private readonly stopping = new Abort();
  private running: Promise<unknown> | undefined;
  /** a canned answer repeats across different tasks */
  private readonly repeats = new RepeatDetector();
  private rounds = 0;
  private updatedAt: number | null = null;
  private readonly random: () => number;

  constructor(private readonly deps: ValidatorDeps) {
    const { cfg } = deps;
    this.random = deps.random ?? Math.random;
    this.scores = new ScoreStore(deps.store, deps.netuid);
    this.agent = new Agent({ connections: 4, connect: { timeout: Math.min(5_000, cfg.timeout_ms) }, keepAliveTimeout: 30_000 });
    this.env = { provider: 'validator', agent: this.agent, signer: deps.hotkey, replay: new ReplayCache(), timeoutMs: cfg.timeout_ms };
    this.localCheck = new LocalModeCheck(deps.gateway, { models: cfg.local_check.models, maxTokens: cfg.local_check.max_tokens, ttlMs: 10 * cfg.interval_ms });
    this.chainLimit = new RateLimit(cfg.chain.min_interval_ms);
  }

  /** Loads the EMAs kept in the store, then runs a round every `interval_ms`. */
  async start(): Promise<void> {
    for (const e of await this.scores.load()) this.emas.set(e.uid, e);
    if (this.emas.size > 0) this.updatedAt = Math.max(...[...this.emas.values()].map((e) => e.updated_at));
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.round().catch((err: unknown) => this.deps.logger.error({ err }, 'validator round failed')).finally(() => (this.running = undefined));
    }, this.deps.cfg.interval_ms);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort(new Error('the validator is stopping'));
    await this.running;
    await this.agent.close();
  }

  /** Miners for this round: serving, not this validator; never challenged first, then the longest unchallenged. */
  sample(): Neuron[] {
    const serving = this.deps.metagraph.neurons().filter((n) => n.active && n.axon !== null && n.axon.port > 0 && n.hotkey !== this.deps.hotkey.ss58);
    serving.sort((a, b) => (this.lastChallenged.get(a.uid) ?? -1) - (this.lastChallenged.get(b.uid) ?? -1) || this.random() - 0.5);
    return serving.slice(0, this.deps.cfg.sample_size);
  }

  async round(task: Task = pickTask(this.deps.cfg.tasks, this.random, this.deps.cfg.content_kinds)): Promise<RoundReport> {
    const round = ++this.rounds;
    const miners = this.sample();
    const signal = AbortSignal.timeout(this.deps.cfg.timeout_ms * 3);
    const results = await Promise.all(miners.map((n) => this.challenge(n, task, round, signal)));
    const modes = new Map(results.map((r) => [r.answer.uid, r]));
    const m = this.deps.cfg.multipliers;
    const penalty = this.deps.cfg.local_check.penalty;
    const multiplierOf = (a: ChallengeAnswer) => {
      const r = modes.get(a.uid)!;
      if (r.verdict === 'failed') return m.api * penalty;
      return m[r.mode ?? 'custom'];
    };
    // a peer's say in agreement: its standing so far (an unknown peer counts as average)
    const peerWeight = (uid: number) => 0.05 + (this.emas.get(uid)?.ema ?? 50) / 100;
    const scored = scoreRound(task, results.map((r) => r.answer), multiplierOf, this.deps.cfg.timeout_ms, peerWeight);
    const now = Date.now();
    const changed: EmaEntry[] = [];
    for (const s of scored) {
      const e = nextEma(this.emas.get(s.uid), s.uid, s.hotkey, s.score, this.deps.cfg.ema_alpha, now);
      this.emas.set(s.uid, e);
      this.lastChallenged.set(s.uid, now);
      changed.push(e);
    }
    // uids whose hotkey changed since they were scored lose their old EMA
    const live = new Map(this.deps.metagraph.neurons().map((n) => [n.uid, n.hotkey]));
    for (const [uid, e] of this.emas) if (live.get(uid) !== e.hotkey) this.emas.delete(uid);
    await this.scores.save(changed);
    this.updatedAt = now;
    await this.maybeSetWeights();
    const report: RoundReport = { round, task: task.type, scored: scored.map((s) => ({ ...s, mode: modes.get(s.uid)?.mode ?? null, local_check: modes.get(s.uid)?.verdict ?? null })) };
    this.deps.logger.info({ round, task: task.type, scores: scored.map((s) => [s.uid, s.score]) }, 'validator round');
    return report;
  }

  private async challenge(n: Neuron, task: Task, round: number, signal: AbortSignal): Promise<{ answer: ChallengeAnswer; mode: Mode | null; verdict: Verdict | null }> {
    let availability: Availability | undefined;
    try {
      availability = await fetchAvailability(this.agent, n, this.deps.hotkey, Math.min(5_000, this.deps.cfg.timeout_ms));
    } catch {
      availability = undefined;
    }
    const mode = availability?.generation_mode ?? null;
    const t0 = performance.now();
    let answer: ChallengeAnswer;
    try {
      let result: ChatResult;
      if (task.type === 'content') {
        result = await contentMiner(this.env, n, { kind: task.kind, topic: task.topic, persona: task.persona, options: { max_tokens: this.deps.cfg.max_tokens } }, MINER_MODEL, signal);
      } else {
        result = await chatMiner(this.env, n, { model: MINER_MODEL, messages: [{ role: 'user', content: task.prompt }], max_tokens: this.deps.cfg.max_tokens }, MINER_MODEL, signal);
      }
      const text = result.body.choices[0]?.message.content ?? '';
      answer = { uid: n.uid, hotkey: n.hotkey, ok: true, text, latencyMs: performance.now() - t0, ...(task.type === 'content' ? { content: JSON.parse(text) as unknown } : {}) };
      if (this.repeats.repeats(n.hotkey, text, task.type === 'content' ? `${task.kind}|${task.topic}` : task.prompt)) answer.repeated = true;
    } catch (err) {
      answer = { uid: n.uid, hotkey: n.hotkey, ok: false, text: '', latencyMs: performance.now() - t0, error: err instanceof Error ? err.message : String(err) };
    }
    let verdict: Verdict | null = null;
    if (mode === 'local' && availability) {
      verdict = await this.localCheck.check(n.hotkey, availability.models, round, (req) => chatMiner(this.env, n, req, req.model, signal), signal);
    }
    return { answer, mode, verdict };
  }

  /** GET /weights: normalized EMAs of the uids whose hotkey is still the one scored. */
  weights(): PublishedWeights {
    return { netuid: this.deps.netuid, updated_at: this.updatedAt === null ? null : new Date(this.updatedAt).toISOString(), weights: normalize([...this.emas.values()]) };
  }

  emaOf(uid: number): EmaEntry | undefined {
    return this.emas.get(uid);
  }

  private async maybeSetWeights(): Promise<void> {
    const chain = this.deps.cfg.chain;
    if (!chain.subtensor_url || !this.chainLimit.ready()) return;
    this.chainLimit.mark();
    try {
      const block = await setWeightsOnChain(this.weights().weights, this.deps.hotkey, { url: chain.subtensor_url, netuid: this.deps.netuid, versionKey: chain.version_key, timeoutMs: chain.timeout_ms }, this.stopping);
      this.deps.logger.info({ block }, 'weights set on chain');
    } catch (err) {
      this.deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'set_weights failed; the next try waits for the rate limit');
    }
  }
}
