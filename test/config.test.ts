import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/index.js';

const run = promisify(execFile);

function withFile(yaml: string): { file: string; cwd: string } {
  const cwd = mkdtempSync(join(tmpdir(), 'polymath-config-'));
  const file = join(cwd, 'polymath.yaml');
  writeFileSync(file, yaml);
  return { file, cwd };
}

describe('config file', () => {
  it('reads YAML, fills defaults and interpolates ${ENV}', () => {
    const { file } = withFile(`
providers:
  openrouter: { type: openai-compatible, preset: openrouter, api_key: "\${MY_KEY}" }
  local: { type: openai-compatible, base_url: "http://127.0.0.1:\${LLM_PORT:-11434}/v1", default_model: llama3 }
routes:
  default: { targets: [ { provider: local }, { provider: openrouter, model: openai/gpt-4o-mini } ] }
`);
    const { config } = loadConfig({ file, env: { MY_KEY: 'sk-or-123' } });
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8787 });
    expect(config.store.url).toBe('sqlite://./data/polymath.db');
    expect(config.providers.openrouter).toMatchObject({ api_key: 'sk-or-123', preset: 'openrouter' });
    expect(config.providers.local).toMatchObject({ base_url: 'http://127.0.0.1:11434/v1' });
    expect(config.routes.default.targets).toHaveLength(2);
  });

  it('names the key path and the reason of an invalid value', () => {
    const { file } = withFile(`providers:\n  openai: { type: openai-compatible, base_url: "not a url" }\n`);
    expect(() => loadConfig({ file, env: {} })).toThrow(/providers\.openai\.base_url: Invalid URL/);
  });

  it('reports an unset variable by name when the key it fills is required', () => {
    const { file } = withFile(`providers:\n  mine: { type: openai-compatible, base_url: "\${MINE_URL}" }\n`);
    expect(() => loadConfig({ file, env: {} })).toThrow(/providers\.mine\.base_url: .*MINE_URL is not set/);
  });

  it('rejects a route naming an unknown provider, an unknown type and bad YAML', () => {
    expect(() => loadConfig({ file: withFile(`routes:\n  default: { targets: [ { provider: ghost } ] }\n`).file, env: {} })).toThrow(/routes\.default\.targets\.0\.provider: unknown provider "ghost"/);
    expect(() => loadConfig({ file: withFile(`providers:\n  x: { type: carrier-pigeon }\n`).file, env: {} })).toThrow(/providers\.x\.type/);
    expect(() => loadConfig({ file: withFile(`providers: [unclosed\n`).file, env: {} })).toThrow(ConfigError);
  });

  it('lets --host/--port beat the environment, which beats the file', () => {
    const { file } = withFile(`server: { port: 9000 }\n`);
    expect(loadConfig({ file, env: { POLYMATH_PORT: '9100' } }).config.server.port).toBe(9100);
    expect(loadConfig({ file, env: { POLYMATH_PORT: '9100' }, overrides: { port: 9200, host: '0.0.0.0' } }).config.server).toMatchObject({ port: 9200, host: '0.0.0.0' });
  });

  it('finds ./polymath.yaml and POLYMATH_CONFIG', () => {
    const { file, cwd } = withFile(`server: { port: 9001 }\n`);
    expect(loadConfig({ cwd, env: {} }).file).toBe(file);
    expect(loadConfig({ env: { POLYMATH_CONFIG: file } }).config.server.port).toBe(9001);
  });
});

describe('config from the environment', () => {
  it('adds a provider per key set, LLM_PROVIDER first, in one default route', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'polymath-env-'));
    const { config, file } = loadConfig({ cwd, env: { OPENAI_API_KEY: 'sk-1', OPENROUTER_API_KEY: 'sk-or', PERPLEXITY_API_KEY: 'pplx', LLM_PROVIDER: 'perplexity' } });
    expect(file).toBeUndefined();
    expect(config.providers.openai).toMatchObject({ preset: 'openai', api_key: 'sk-1' });
    const order = config.routes.default.targets.map((t) => t.provider);
    expect(order.slice(0, 3)).toEqual(['perplexity', 'openai', 'openrouter']);
  });
});

describe('polymath CLI', () => {
  const cli = ['--import', 'tsx', join(import.meta.dirname, '..', 'src', 'cli.ts')];

  it('stops with exit code 2 and the key path for an invalid config', async () => {
    const { file } = withFile(`providers:\n  openai: { type: openai-compatible, base_url: "nope" }\n`);
    const err = await run(process.execPath, [...cli, 'serve', '--config', file]).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toMatch(/providers\.openai\.base_url: Invalid URL/);
  });

  it('prints its version and help', async () => {
    const version = await run(process.execPath, [...cli, '--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await run(process.execPath, [...cli, '--help']);
    expect(help.stdout).toMatch(/polymath serve \[--config FILE\] \[--host HOST\] \[--port PORT\]/);
    // every command is listed, each usage on its own line
    for (const command of ['models', 'generate', 'keys', 'wallet', 'miner', 'validator']) expect(help.stdout).toMatch(new RegExp(`^  polymath ${command} `, 'm'));
  });

  it('rejects an unknown command and a bad port with exit code 2', async () => {
    await expect(run(process.execPath, [...cli, 'fly'])).rejects.toMatchObject({ code: 2 });
    await expect(run(process.execPath, [...cli, 'serve', '--port', 'abc'])).rejects.toMatchObject({ code: 2 });
  });
});
