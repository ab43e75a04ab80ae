import { describe, expect, it } from 'vitest';
import { newRequestId } from '../src/server/request-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids (UUID v7)', () => {
  it('is a version 7 UUID whose first 48 bits are the time in ms', () => {
    const now = Date.UTC(2026, 10, 30, 14, 0, 0, 123);
    const id = newRequestId(now);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
  });

  it('sorts in time order across milliseconds, as text (what the primary-key index sees)', () => {
    const t = Date.now();
    const ids = [t + 5, t + 1, t + 1000, t, t + 86_400_000].map((ms) => [ms, newRequestId(ms)] as const);
    const byText = [...ids].sort((a, b) => (a[1] < b[1] ? -1 : 1)).map(([ms]) => ms);
    expect(byText).toEqual([...ids].map(([ms]) => ms).sort((a, b) => a - b));
  });

  it('differs within one millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newRequestId(1_700_000_000_000)));
    expect(ids.size).toBe(10_000);
  });
});
