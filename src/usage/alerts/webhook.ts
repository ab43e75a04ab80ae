/**
 * Sends alerts to a webhook as JSON POSTs, one at a time in order, each with a deadline and a few
 * tries with growing waits. The queue is bounded: past it the oldest alert is dropped and logged.
 * `close` stops the waits and gives what is in flight until its deadline.
 */
import type { Logger } from 'pino';

export interface WebhookOptions {
  url: string;
  timeoutMs: number;
  attempts: number;
  backoffMs: number;
  maxQueue: number;
}

export class Webhook {
  private readonly queue: object[] = [];
  private sending: Promise<void> | undefined;
  private readonly stop = new AbortController();
  /** alerts given up on (every try failed, or dropped from a full queue) */
  failed = 0;

  constructor(
    private readonly opts: WebhookOptions,
    private readonly logger: Logger,
  ) {}

  send(payload: object): void {
    if (this.stop.signal.aborted) return;
    if (this.queue.length >= this.opts.maxQueue) {
      this.queue.shift();
      this.failed++;
      this.logger.error({ queued: this.queue.length }, 'alert webhook queue full: dropped the oldest alert');
    }
    this.queue.push(payload);
    this.sending ??= this.drain().finally(() => (this.sending = undefined));
  }

  /** Resolves when every queued alert has been sent or given up on. */
  async idle(): Promise<void> {
    while (this.sending) await this.sending;
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.sending;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stop.signal.aborted) {
      const payload = this.queue.shift()!;
      await this.deliver(payload);
    }
  }

  private async deliver(payload: object): Promise<void> {
    const body = JSON.stringify(payload);
    let last = '';
    for (let attempt = 1; attempt <= this.opts.attempts; attempt++) {
      try {
        const res = await fetch(this.opts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'polymath-alerts' },
          body,
          signal: AbortSignal.any([this.stop.signal, AbortSignal.timeout(this.opts.timeoutMs)]),
        });
        await res.body?.cancel();
        if (res.ok) return;
        last = `HTTP ${res.status}`;
        // A 4xx other than 408/429 will not change on a retry.
        if (res.status < 500 && res.status !== 408 && res.status !== 429) break;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      if (attempt < this.opts.attempts && !(await this.wait(this.opts.backoffMs * 2 ** (attempt - 1)))) break;
    }
    this.failed++;
    this.logger.error({ webhook: redactUrl(this.opts.url), error: last }, 'could not deliver an alert to the webhook');
  }

  /** Waits, unless closing; false when closing. */
  private wait(ms: number): Promise<boolean> {
    const signal = this.stop.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The webhook's origin and path, without credentials or a query that may hold a token. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}
