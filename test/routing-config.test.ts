/** The routes/targets/flags part of the config: what is accepted, and the errors for what is not. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/index.js';

const providers = { p: { type: 'openai-compatible', base_url: 'http://127.0.0.1:9/v1', default_model: 'm' } };

function errorOf(routes: unknown, extra: Record<string, unknown> = {}): string {
  try {
    parseConfig({ providers, routes, ...extra });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the config was accepted');
}

describe('route config', () => {
  it('accepts the shape from the issue: retry, timeout, hedge, weighted sticky, conditional, nested route, flag', () => {
    const cfg = parseConfig({
      providers,
      routes: {
        default: {
          strategy: 'fallback',
          retry: { attempts: 3 },
          timeout: { connect_ms: 2000, first_token_ms: 10000, total_ms: 60000 },
          hedge: { after_ms: 800 },
          targets: [{ provider: 'p' }, { route: 'cloud' }],
        },
        cloud: { strategy: 'weighted', sticky: 'user', targets: [{ provider: 'p', model: 'a', weight: 90 }, { provider: 'p', model: 'b', weight: 10, flag: 'ENABLE_CLAUDE' }] },
        'by-grade': { strategy: 'conditional', hedge: { after: 'p95' }, targets: [{ when: { 'metadata.grade': { lte: 5 } }, provider: 'p' }, { provider: 'p', model: 'x' }] },
      },
      flags: { ENABLE_CLAUDE: false },
    });
    expect(cfg.routes.default.retry.attempts).toBe(3);
    expect(cfg.routes.cloud.targets[1].flag).toBe('ENABLE_CLAUDE');
    expect(cfg.routes['by-grade'].hedge).toEqual({ after: 'p95' });
    expect(cfg.routes.default.fallback_on.statuses).toEqual([408, 409, 429, '5xx']);
  });

  it('rejects routes that form a cycle, naming the cycle', () => {
    const msg = errorOf({ a: { targets: [{ route: 'b' }] }, b: { targets: [{ provider: 'p' }, { route: 'c' }] }, c: { targets: [{ route: 'a' }] } });
    expect(msg).toMatch(/routes\.a: routes form a cycle: a -> b -> c -> a/);
  });

  it('rejects a route that names itself', () => {
    expect(errorOf({ a: { targets: [{ route: 'a' }] } })).toMatch(/cycle: a -> a/);
  });

  it('rejects a target naming an unknown route or provider', () => {
    expect(errorOf({ a: { targets: [{ route: 'nope' }] } })).toMatch(/routes\.a\.targets\.0\.route: unknown route "nope"/);
    expect(errorOf({ a: { targets: [{ provider: 'nope' }] } })).toMatch(/routes\.a\.targets\.0\.provider: unknown provider "nope"/);
  });

  it('rejects a target with both or neither of provider and route', () => {
    expect(errorOf({ a: { targets: [{ provider: 'p', route: 'b' }] }, b: { targets: [{ provider: 'p' }] } })).toMatch(/exactly one of `provider` or `route`/);
    expect(errorOf({ a: { targets: [{ model: 'm' }] } })).toMatch(/exactly one of `provider` or `route`/);
  });

  it('rejects `when` outside a conditional route, and an unknown strategy or condition operator', () => {
    expect(errorOf({ a: { targets: [{ provider: 'p', when: { user: 'x' } }] } })).toMatch(/routes\.a\.targets\.0\.when: `when` is read only by strategy conditional/);
    expect(errorOf({ a: { strategy: 'random', targets: [{ provider: 'p' }] } })).toMatch(/routes\.a\.strategy/);
    expect(errorOf({ a: { strategy: 'conditional', targets: [{ provider: 'p', when: { grade: { around: 3 } } }] } })).toMatch(/routes\.a\.targets\.0\.when/);
  });

  it('rejects a misspelled key instead of ignoring it', () => {
    expect(errorOf({ a: { retries: { attempts: 3 }, targets: [{ provider: 'p' }] } })).toMatch(/retries/);
    expect(errorOf({ a: { hedge: { after: 'p99' }, targets: [{ provider: 'p' }] } })).toMatch(/routes\.a\.hedge/);
  });
});
