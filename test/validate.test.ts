import { expect, it } from 'vitest';
import { chatSchema, quickChat, validateChat } from '../src/server/validate.js';

/** A small deterministic PRNG, so a failure names a case that can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

const ANY = [undefined, null, true, false, 0, -1, 0.5, 1, 2, 2.5, 4, 128, 129, 2 ** 53, 1e300, '', 'x', [], ['a'], {}, { type: 'text' }];
const POOLS: Record<string, unknown[]> = {
  model: ['gpt', '', 'a/b', 7, null, undefined, ['gpt'], 'a\r\nb', 'gpt-é', 'm'.repeat(257)],
  user: ['u-1', '', null, 5, 'u'.repeat(256), 'u'.repeat(257)],
  metadata: [{ app: 'x' }, {}, null, { a: 1 }, 'x', { k: 'v'.repeat(513) }],
  stream: [true, false, null, undefined, 'true', 1],
  temperature: ANY,
  top_p: ANY,
  n: ANY,
  max_tokens: ANY,
  max_completion_tokens: ANY,
  seed: ANY,
  stop: [undefined, null, 'x', ['a', 'b'], ['a', 'b', 'c', 'd', 'e'], 3],
  stream_options: [undefined, null, { include_usage: true }, { include_usage: 'yes' }, 1],
  response_format: [undefined, null, { type: 'text' }, { type: 'json_object' }, { type: 'json_schema', json_schema: { name: 'x' } }, { type: 'json_schema' }, { type: 'xml' }],
  tools: [undefined, [{ type: 'function', function: { name: 'f' } }], 'anything'],
};
const MESSAGES = [
  { role: 'user', content: 'hi' },
  { role: 'system', content: null },
  { role: 'assistant' },
  { role: 'tool', content: [{ type: 'text', text: 'x' }] },
  { role: 'user', content: [{ text: 'no type' }] },
  { role: 'robot', content: 'hi' },
  { role: 'user', content: 5 },
  { content: 'no role' },
  null,
  'user: hi',
  ['user', 'hi'],
];

it('the quick chat check accepts only what the zod schema accepts, over 20,000 generated bodies', () => {
  const next = rng(42);
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)];
  let quick = 0;
  for (let i = 0; i < 20_000; i++) {
    const body: Record<string, unknown> = {};
    for (const [key, pool] of Object.entries(POOLS)) {
      // Most fields absent, as in real requests.
      if (next() < 0.3) {
        const v = pick(pool);
        if (v !== undefined) body[key] = v;
      }
    }
    body.model ??= next() < 0.9 ? 'gpt' : pick(POOLS.model);
    const r = next();
    body.messages = r < 0.05 ? [] : r < 0.1 ? pick([null, 'hi', {}]) : Array.from({ length: 1 + Math.floor(next() * 3) }, () => (next() < 0.7 ? MESSAGES[0] : pick(MESSAGES)));
    if (quickChat(body)) {
      quick++;
      const zod = chatSchema.safeParse(body);
      expect(zod.success, `case ${i}: ${JSON.stringify(body)}`).toBe(true);
    }
  }
  // The quick path is taken often enough to matter, so the comparison above tested something.
  expect(quick).toBeGreaterThan(500);
});

it('a plain chat request takes the quick path; anything unusual is still checked and worded by zod', () => {
  expect(quickChat({ model: 'default', messages: [{ role: 'user', content: 'hi' }], max_tokens: 16, temperature: 0.2, stream: true })).toBe(true);
  expect(quickChat({ model: 'default', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_object' } })).toBe(false);
  expect(() => validateChat({ model: 'default', messages: [{ role: 'user', content: 'hi' }], seed: 2 ** 60 })).toThrow(/seed/);
  expect(() => validateChat({ model: 'default', messages: [{ role: 'user', content: 'hi' }], response_format: null })).toThrow(/response_format/);
  expect(validateChat({ model: 'default', messages: [{ role: 'user', content: 'hi' }], stop: ['a'] })).toMatchObject({ stop: ['a'] });
});
