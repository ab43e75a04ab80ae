/**
 * The pino logger. Secrets (API keys, Authorization headers) are redacted wherever they appear.
 * Lines to stdout are written in batches off the request path: they collect in a bounded buffer
 * that is written when it holds 2 KiB, every quarter second, and at exit. A line per request
 * written (or handed to the thread pool) on its own costs the request path a system call and a
 * wake-up of the event loop.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export const REDACT_PATHS = [
  'authorization',
  'api_key',
  'apiKey',
  'headers.authorization',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  '*.api_key',
  '*.apiKey',
  '*.authorization',
  'config.providers.*.api_key',
  'password',
  '*.password',
  'network.wallet.password',
  'config.network.wallet.password',
];

/**
 * Batching of stdout: write at 2 KiB or every 250 ms; beyond 16 MiB unwritten, lines are dropped.
 * While a write is in flight, sonic-boom appends each line to its last chunk and measures that
 * chunk's bytes, which copies it whole: a line cost ~1.5 µs with chunks of up to 16 KiB (its
 * default), ~0.5 µs with 4 KiB (measured: 250-byte lines to /dev/null on one core).
 */
const STDOUT_BATCH = { minLength: 2048, maxWrite: 4096, periodicFlush: 250, maxLength: 16 * 1024 * 1024 };

/** Where each logger made by createLogger writes (the access log writes its lines there too). */
const destinations = new WeakMap<Logger, { write(line: string): unknown }>();

export function createLogger(level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'polymath' } };
  const dest = destination ?? pino.destination({ dest: 1, sync: false, ...STDOUT_BATCH });
  const logger = pino(options, dest);
  destinations.set(logger, dest);
  return logger;
}

/** The stream a logger made by createLogger writes to; undefined for any other logger. */
export function destinationOf(logger: Logger): { write(line: string): unknown } | undefined {
  return destinations.get(logger);
}

export type { Logger };
