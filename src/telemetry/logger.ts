/** The pino logger. Secrets (API keys, Authorization headers) are redacted wherever they appear. */
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
];

export function createLogger(level: LevelWithSilent = 'info', destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'polymath' } };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
