/**
 * A challenge answer's score in [0, 100]:
 *   100 × schema-valid × pedagogy checks passed × agreement × timeliness,
 * then × the generation-mode multiplier, capped at 100 (80 × 1.5 = 120 → 100).
 *   schema-valid  content: its kind's schema (a refused answer scores 0); chat: a non-empty answer
 *   pedagogy      content: the share of the content engine's checks passed; chat and canary: 1
 *   agreement     canary: the known code is in the answer (1 or 0); otherwise the overlap of
 *                 content words with the other miners' answers to the same task, averaged with
 *                 each peer weighted by its standing (its EMA), doubled and capped at 1 (1 when no
 *                 other miner answered): agreeing with miners that have been right counts more
 *                 An answer the miner already gave to a different task agrees with nothing (0).
 *   timeliness    1 up to a quarter of the deadline, then falling linearly to 0.2 at the deadline
 */
import { checkContent, type Kind } from '../../content/index.js';
import { overlap, passesCanary } from '../integrity/index.js';
import type { Task } from './tasks.js';

export type Mode = 'local' | 'api' | 'custom';

export interface ChallengeAnswer {
  uid: number;
  hotkey: string;
  ok: boolean;
  /** the answer's text (content: its JSON) */
  text: string;
  /** a content answer's object */
  content?: unknown;
  latencyMs: number;
  error?: string;
  /** the miner gave this same answer to a different task before: canned, not generated */
  repeated?: boolean;
}

export interface ScoreParts {
  valid: number;
  pedagogy: number;
  agreement: number;
  timeliness: number;
  multiplier: number;
}

export interface Scored {
  uid: number;
  hotkey: string;
  score: number;
  parts: ScoreParts;
  error?: string;
}

export function timeliness(latencyMs: number, timeoutMs: number): number {
  const quarter = timeoutMs / 4;
  if (latencyMs <= quarter) return 1;
  return Math.max(0.2, 1 - (0.8 * (latencyMs - quarter)) / (timeoutMs - quarter));
}

export function withMultiplier(raw: number, multiplier: number): number {
  return Math.min(100, raw * multiplier);
}

export function scoreRound(task: Task, answers: readonly ChallengeAnswer[], multiplierOf: (a: ChallengeAnswer) => number, timeoutMs: number, peerWeight: (uid: number) => number = () => 1): Scored[] {
  const good = answers.filter((a) => a.ok);
  return answers.map((a) => {
    const multiplier = multiplierOf(a);
    if (!a.ok) return { uid: a.uid, hotkey: a.hotkey, score: 0, parts: { valid: 0, pedagogy: 0, agreement: 0, timeliness: 0, multiplier }, ...(a.error ? { error: a.error } : {}) };
    const valid = a.text.trim().length > 0 ? 1 : 0;
    let pedagogy = 1;
    if (task.type === 'content' && a.content !== undefined) {
      const report = checkContent(task.kind as Kind, a.content as never, task.persona);
      pedagogy = report.checks.length === 0 ? 1 : report.checks.filter((c) => c.passed).length / report.checks.length;
    }
    let agreement: number;
    if (a.repeated) agreement = 0;
    else if (task.type === 'canary') agreement = passesCanary(task, a.text) ? 1 : 0;
    else {
      const peers = good.filter((p) => p !== a);
      const total = peers.reduce((s, p) => s + peerWeight(p.uid), 0);
      agreement = peers.length === 0 || total <= 0 ? 1 : Math.min(1, (2 * peers.reduce((s, p) => s + peerWeight(p.uid) * overlap(a.text, p.text), 0)) / total);
    }
    const t = timeliness(a.latencyMs, timeoutMs);
    const raw = 100 * valid * pedagogy * agreement * t;
    const r = (x: number) => Math.round(x * 1000) / 1000;
    return { uid: a.uid, hotkey: a.hotkey, score: r(withMultiplier(raw, multiplier)), parts: { valid, pedagogy: r(pedagogy), agreement: r(agreement), timeliness: r(t), multiplier } };
  });
}
