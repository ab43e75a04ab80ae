/**
 * The local-mode check. `local` earns the largest multiplier, so the claim is tested: a miner that
 * claims `local` with a model the validator also holds (config `local_check.models`) must
 * reproduce the validator's own greedy output (temperature 0, fixed seed) for a seeded prompt.
 * Verdicts are kept per hotkey for a while (bounded), so a miner is not re-checked every round.
 */
import type { Signal } from '../../abort.js';
import type { ChatRequest, ChatResult } from '../../providers/types.js';
import type { Gateway } from '../../content/index.js';

export type Verdict = 'verified' | 'failed' | 'unchecked';

const PROMPTS = ['Once upon a time, a little fox', 'The sun was shining and the children', 'In a small town there lived a girl who', 'One day, the cat found a box'];

/** Text compared for sameness: spacing does not count. */
const normalize = (s: string) => s.replace(/\s+/g, ' ').trim();

export interface LocalCheckOptions {
  /** model name as miners report it → a route or provider/model of the validator's config */
  models: Record<string, string>;
  maxTokens: number;
  /** how long a verdict stands */
  ttlMs: number;
}

export class LocalModeCheck {
  private readonly verdicts = new Map<string, { verdict: Verdict; at: number }>();
  private readonly references = new Map<string, string>();
  static readonly MAX = 4096;

  constructor(private readonly gw: Gateway, private readonly opts: LocalCheckOptions) {}

  /** The request a miner and the validator both answer for `model`. */
  request(model: string, round: number): ChatRequest {
    return { model, messages: [{ role: 'user', content: PROMPTS[round % PROMPTS.length] }], temperature: 0, top_p: 1, seed: 7, max_tokens: this.opts.maxTokens };
  }

  cached(hotkey: string, now = Date.now()): Verdict | undefined {
    const v = this.verdicts.get(hotkey);
    return v && now - v.at < this.opts.ttlMs ? v.verdict : undefined;
  }

  /** The models a miner reports that the validator holds too. */
  shared(models: readonly string[]): string[] {
    return models.filter((m) => Object.hasOwn(this.opts.models, m));
  }

  /**
   * Checks a miner that claims `local`: `ask` sends the request to the miner (signed) and answers
   * its verified result. Without a shared model the claim cannot be checked.
   */
  async check(hotkey: string, models: readonly string[], round: number, ask: (req: ChatRequest) => Promise<ChatResult>, signal: Signal): Promise<Verdict> {
    const cached = this.cached(hotkey);
    if (cached) return cached;
    const model = this.shared(models)[0];
    if (!model) return 'unchecked';
    const req = this.request(model, round);
    let verdict: Verdict;
    try {
      const [mine, theirs] = await Promise.all([this.reference(model, req, signal), ask(req)]);
      verdict = normalize(textOf(theirs)) === normalize(mine) ? 'verified' : 'failed';
    } catch {
      verdict = 'failed';
    }
    if (this.verdicts.size >= LocalModeCheck.MAX) this.verdicts.delete(this.verdicts.keys().next().value as string);
    this.verdicts.set(hotkey, { verdict, at: Date.now() });
    return verdict;
  }

  private async reference(model: string, req: ChatRequest, signal: Signal): Promise<string> {
    const key = `${model}\n${JSON.stringify(req.messages)}`;
    const hit = this.references.get(key);
    if (hit !== undefined) return hit;
    const target = this.opts.models[model];
    const out = await this.gw.executor.chat(this.gw.router.resolve(target), { ...req, model: target }, { signal, requestId: `validator-local-check-${Date.now()}` });
    const text = textOf(out.value);
    if (this.references.size >= 64) this.references.delete(this.references.keys().next().value as string);
    this.references.set(key, text);
    return text;
  }
}

function textOf(r: ChatResult): string {
  const c = r.body.choices[0]?.message.content;
  return typeof c === 'string' ? c : '';
}
