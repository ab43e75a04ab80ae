/**
 * The one log line per request ("request completed", or "request failed" at warn), written to
 * the logger's own destination in pino's format: `{"level":30,"time":…,<the logger's
 * bindings>,<fields>,"msg":…}`. Formatted here rather than by pino's generic path, which looks up
 * a serializer and checks redaction for every key: ~5 µs of a request's ~200 under load
 * (bench:throughput). Its fields are fixed and none is a secret. A logger not made by
 * createLogger (no known destination) gets the same fields through pino itself.
 */
import type { Logger } from 'pino';
import { destinationOf } from './logger.js';

/** A field's value: null and numbers as JSON has them; undefined leaves the field out. */
export type AccessValue = string | number | null | undefined;
export type AccessFields = Record<string, AccessValue>;

const LEVEL = { info: 30, warn: 40 } as const;

export class AccessLog {
  private readonly dest: { write(line: string): unknown } | undefined;
  /** `,"service":"polymath"`: the logger's bindings, as pino writes them after the time */
  private readonly bindings: string;

  constructor(private readonly logger: Logger) {
    this.dest = destinationOf(logger);
    const b = JSON.stringify(logger.bindings());
    this.bindings = b === '{}' ? '' : `,${b.slice(1, -1)}`;
  }

  write(level: keyof typeof LEVEL, fields: AccessFields, msg: string): void {
    if (!this.logger.isLevelEnabled(level)) return;
    if (!this.dest) {
      this.logger[level](fields, msg);
      return;
    }
    let line = `{"level":${LEVEL[level]},"time":${Date.now()}${this.bindings}`;
    for (const name in fields) {
      const v = fields[name];
      if (v === undefined) continue;
      line += `,"${name}":${typeof v === 'string' ? JSON.stringify(v) : v === null || !Number.isFinite(v) ? 'null' : v}`;
    }
    this.dest.write(`${line},"msg":${JSON.stringify(msg)}}\n`);
  }
}
