/**
 * Canned answers: a miner that gives the same answer (same words, spacing and case aside) to two
 * different requests did not generate it. Remembers, per hotkey, the last answers (their sha256)
 * and the request each answered; bounded per miner and in miners.
 */
import { createHash } from 'node:crypto';
import { spokenText } from './agreement.js';

export class RepeatDetector {
  private readonly byHotkey = new Map<string, Map<string, string>>();

  constructor(private readonly perMiner = 32, private readonly maxMiners = 4096) {}

  /** Whether `hotkey` gave this answer to another request before; remembers this one. */
  repeats(hotkey: string, answer: string, request: string): boolean {
    const key = createHash('sha256').update(spokenText(answer).toLowerCase().replace(/\s+/g, ' ').trim()).digest('hex');
    const req = createHash('sha256').update(request).digest('hex');
    let seen = this.byHotkey.get(hotkey);
    if (!seen) {
      if (this.byHotkey.size >= this.maxMiners) this.byHotkey.delete(this.byHotkey.keys().next().value as string);
      seen = new Map();
      this.byHotkey.set(hotkey, seen);
    }
    const before = seen.get(key);
    seen.delete(key);
    if (seen.size >= this.perMiner) seen.delete(seen.keys().next().value as string);
    seen.set(key, req);
    return before !== undefined && before !== req;
  }
}
