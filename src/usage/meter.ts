/**
 * Meters one request: what it asked for, who answered, tokens, time to first token and latency.
 * `end` hands the record to the batched request log and writes one log line; nothing here waits
 * on the database.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { PolymathError } from '../errors.js';
import type { Usage } from '../providers/types.js';
import type { RequestLog } from '../store/request-log.js';
import type { Metrics } from '../telemetry/metrics.js';

export class Metering {
  private readonly started = performance.now();
  private readonly createdAt = Date.now();
  private ttftMs: number | null = null;
  private ended = false;
  route: string | null = null;
  provider: string | null = null;
  model: string | null = null;
  attempts = 0;
  usage: Usage | undefined;

  constructor(
    private readonly meter: Meter,
    readonly id: string,
    readonly endpoint: string,
    readonly stream: boolean,
  ) {}

  /** Marks the first token sent to the client (streams only). */
  firstToken(): void {
    this.ttftMs ??= performance.now() - this.started;
  }

  end(status: number, error?: PolymathError): void {
    if (this.ended) return;
    this.ended = true;
    this.meter.write({
      id: this.id,
      created_at: this.createdAt,
      endpoint: this.endpoint,
      route: this.route,
      provider: this.provider,
      model: this.model,
      stream: this.stream ? 1 : 0,
      status,
      attempts: this.attempts,
      latency_ms: performance.now() - this.started,
      ttft_ms: this.ttftMs,
      prompt_tokens: this.usage?.prompt_tokens ?? null,
      completion_tokens: this.usage?.completion_tokens ?? null,
      error_kind: error?.kind ?? null,
    }, error);
  }
}

export class Meter {
  /**
   * The one line per request. It holds only the fields below, none of them a secret, so it skips
   * the logger's redaction, whose wildcard paths double the cost of every line.
   */
  private readonly access: Logger;

  constructor(
    private readonly log: RequestLog,
    logger: Logger,
    private readonly metrics?: Metrics,
  ) {
    this.access = logger.child({}, { redact: { paths: [] } });
  }

  start(id: string, endpoint: string, stream: boolean): Metering {
    return new Metering(this, id, endpoint, stream);
  }

  /** @internal called by Metering.end */
  write(record: Parameters<RequestLog['record']>[0], error?: PolymathError): void {
    this.log.record(record);
    this.metrics?.observeRequest(record);
    const line = {
      reqId: record.id,
      endpoint: record.endpoint,
      route: record.route,
      provider: record.provider,
      model: record.model,
      status: record.status,
      latency_ms: Math.round(record.latency_ms * 100) / 100,
      ttft_ms: record.ttft_ms === null ? undefined : Math.round(record.ttft_ms * 100) / 100,
      attempts: record.attempts,
    };
    if (error) this.access.warn({ ...line, error_kind: error.kind, error: error.message }, 'request failed');
    else this.access.info(line, 'request completed');
  }
}
