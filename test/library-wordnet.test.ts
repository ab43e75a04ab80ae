import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordnetDir } from '../src/providers/library.js';
import { Lru } from '../src/providers/library/lru.js';
import { baseForms, lemmaKey } from '../src/providers/library/morphy.js';
import { lookupTopic } from '../src/providers/library/topic.js';
import { parseDataLine, WordNet } from '../src/providers/library/wordnet.js';

let wn: WordNet;
beforeAll(async () => {
  wn = new WordNet(wordnetDir(), 64);
  await wn.open();
});
afterAll(() => wn?.close());

describe('WordNet reader', () => {
  it('finds every sampled lemma of the noun and verb indexes by binary search', () => {
    for (const pos of ['n', 'v'] as const) {
      const lines = readFileSync(join(wordnetDir(), `index.${pos === 'n' ? 'noun' : 'verb'}`), 'utf8').split('\n').filter((l) => l && !l.startsWith(' '));
      for (let i = 0; i < lines.length; i += 97) {
        const f = lines[i].trim().split(' ');
        const offsets = f.slice(f.length - Number(f[2])).map(Number);
        expect(wn.senses(f[0], pos)).toEqual(offsets);
      }
    }
  });

  it('reads a synset by offset: words, pointers, definition and examples', async () => {
    const [offset] = wn.senses('dog', 'n');
    const dog = await wn.synset('n', offset);
    expect(dog.words).toEqual(['dog', 'domestic dog', 'Canis familiaris']);
    expect(dog.definition).toMatch(/^a member of the genus Canis/);
    expect(dog.examples).toEqual(['the dog barked all night']);
    expect(dog.pointers.filter((p) => p.symbol === '@').length).toBeGreaterThan(0);
    expect(dog.pointers.filter((p) => p.symbol === '~').length).toBeGreaterThan(5);
  });

  it('finds plural and irregular forms by their base form, and nothing for a made-up word', () => {
    expect(wn.findLemma('Volcanoes', 'n')).toBe('volcano');
    expect(wn.findLemma('the  Solar System', 'n')).toBe('solar_system');
    expect(wn.findLemma('mice', 'n')).toBe('mouse');
    expect(wn.findLemma('fractions', 'n')).toBe('fraction');
    expect(wn.findLemma('blorfnikity', 'n')).toBeUndefined();
    expect(baseForms('boxes', 'n')).toContain('box');
    expect(lemmaKey('  A Black  Hole? ')).toBe('black_hole');
  });

  it('parses adjective satellites and marked words of a data line', () => {
    const s = parseDataLine("00001740 00 s 02 able(a) 0 capable 0 001 & 00001234 a 0000 | (usually followed by `to') having the necessary means; \"able to swim\"");
    expect(s).toMatchObject({ offset: 1740, pos: 'a', words: ['able', 'capable'], examples: ['able to swim'] });
    expect(s.definition).toBe("(usually followed by `to') having the necessary means");
  });

  it('chooses the sense a learner means: volcano the mountain, fraction the number, heart the organ', async () => {
    expect((await lookupTopic(wn, 'volcano'))?.main.definition).toBe('a mountain formed by volcanic material');
    expect((await lookupTopic(wn, 'fraction'))?.main.definition).toBe('the quotient of two rational numbers');
    expect((await lookupTopic(wn, 'heart'))?.main.definition).toMatch(/muscular organ/);
    expect(await lookupTopic(wn, 'qwzxv')).toBeUndefined();
  });

  it('keeps its synset cache within its bound', async () => {
    const small = new WordNet(wordnetDir(), 16);
    await small.open();
    await lookupTopic(small, 'dog');
    expect((small as unknown as { cache: Lru<string, unknown> }).cache.size).toBeLessThanOrEqual(16);
    await small.close();
  });

  it('says clearly when the database folder is missing', async () => {
    const bad = new WordNet('/nonexistent/wordnet');
    await expect(bad.open()).rejects.toThrow(/cannot read the WordNet database in \/nonexistent\/wordnet/);
  });
});

describe('Lru', () => {
  it('evicts the least recently used entry', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.get('a');
    lru.set('c', 3);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([1, undefined, 3]);
  });
});
