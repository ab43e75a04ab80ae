/** Finds, reads, interpolates and validates the config; an invalid one is a ConfigError. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configFromEnv } from './from-env.js';
import { interpolate } from './interpolate.js';
import { configSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** an explicit file (--config); otherwise POLYMATH_CONFIG, then ./polymath.yaml, then the environment */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** values that win over the file and the environment, such as --host and --port */
  overrides?: { host?: string; port?: number };
}

export interface LoadedConfig {
  config: Config;
  /** the file it came from, or undefined when derived from the environment */
  file?: string;
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const file = findFile(opts.file ?? env.POLYMATH_CONFIG, cwd);

  let raw: unknown;
  let unset = new Map<string, string>();
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`${file}: cannot read: ${(err as Error).message}`);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (err) {
      throw new ConfigError(`${file}: invalid YAML: ${(err as Error).message}`);
    }
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${file}: the top level must be a mapping`);
    ({ value: raw, unset } = interpolate(raw, env));
  } else {
    raw = configFromEnv(env);
  }
  return { config: validate(applyOverrides(raw as Record<string, unknown>, env, opts.overrides), unset, file), file };
}

/** Validates a raw config object; the errors name each key path and its reason. */
export function parseConfig(raw: unknown): Config {
  return validate(raw, new Map(), undefined);
}

function validate(raw: unknown, unset: Map<string, string>, file: string | undefined): Config {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(formatIssues(result.error.issues, unset, file));
}

function formatIssues(issues: z.core.$ZodIssue[], unset: Map<string, string>, file: string | undefined): string {
  const lines = issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    const missingVar = unset.get(path);
    const hint = missingVar ? ` (environment variable ${missingVar} is not set)` : '';
    return `${path}: ${issue.message}${hint}`;
  });
  return `${file ? `invalid config ${file}` : 'invalid config'}:\n  ${lines.join('\n  ')}`;
}

function findFile(explicit: string | undefined, cwd: string): string | undefined {
  if (explicit) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new ConfigError(`${path}: config file not found`);
    return path;
  }
  for (const candidate of ['polymath.yaml', 'polymath.yml']) {
    const path = resolve(cwd, candidate);
    if (existsSync(path)) return path;
  }
  return undefined;
}

function applyOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, overrides: LoadOptions['overrides'] = {}): Record<string, unknown> {
  const server = { ...(raw.server as Record<string, unknown> | undefined) };
  const store = { ...(raw.store as Record<string, unknown> | undefined) };
  const logging = { ...(raw.logging as Record<string, unknown> | undefined) };
  if (env.POLYMATH_HOST) server.host = env.POLYMATH_HOST;
  if (env.POLYMATH_PORT) server.port = Number(env.POLYMATH_PORT);
  if (env.POLYMATH_STORE_URL) store.url = env.POLYMATH_STORE_URL;
  if (env.POLYMATH_LOG_LEVEL) logging.level = env.POLYMATH_LOG_LEVEL;
  if (overrides.host !== undefined) server.host = overrides.host;
  if (overrides.port !== undefined) server.port = overrides.port;
  return { ...raw, server, store, logging };
}
