/**
 * The offline library provider: how long start() takes to read WordNet's indexes, what that costs
 * in memory, and how long each content kind takes to build (first call on a topic, with an empty
 * synset cache, and repeated calls). Run with `npm run bench:library`; results go in BENCHMARKS.md.
 */
import { LibraryProvider, LIBRARY_MODEL } from '../src/providers/library.js';
import type { ContentIntent } from '../src/providers/types.js';

const KINDS = ['quiz', 'lesson', 'flashcards', 'knowledge_graph', 'outline', 'explanation'];
const TOPICS = ['volcano', 'photosynthesis', 'fraction', 'democracy', 'heart', 'triangle', 'cell', 'planet', 'water', 'dog'];
const REPEATS = 20;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const ms = (n: number) => n.toFixed(2);

async function call(lib: LibraryProvider, intent: ContentIntent): Promise<number> {
  const t = performance.now();
  await lib.chat({ model: LIBRARY_MODEL, messages: [] }, { signal: new AbortController().signal, model: LIBRARY_MODEL, requestId: 'bench', intent });
  return performance.now() - t;
}

async function main(): Promise<void> {
  const starts: number[] = [];
  let rssDelta = 0;
  for (let i = 0; i < 5; i++) {
    const before = process.memoryUsage().rss;
    const lib = new LibraryProvider('library', { type: 'library', cache_size: 4096 });
    const t = performance.now();
    await lib.start();
    starts.push(performance.now() - t);
    if (i === 0) rssDelta = process.memoryUsage().rss - before;
    await lib.close();
  }
  console.log(`start(): p50 ${ms(pct(starts, 50))} ms, max ${ms(Math.max(...starts))} ms over 5 opens; RSS +${(rssDelta / 1e6).toFixed(1)} MB on the first open`);

  console.log('| kind | first call p50 ms | first call max ms | repeated p50 ms | repeated p95 ms |');
  console.log('|---|---|---|---|---|');
  for (const kind of KINDS) {
    const cold: number[] = [];
    const warm: number[] = [];
    for (const topic of TOPICS) {
      // a fresh provider per topic: the first call reads every synset from disk
      const lib = new LibraryProvider('library', { type: 'library', cache_size: 4096 });
      await lib.start();
      const intent = { kind, topic, persona: { grade: 8 } };
      cold.push(await call(lib, intent));
      for (let r = 0; r < REPEATS; r++) warm.push(await call(lib, intent));
      await lib.close();
    }
    console.log(`| ${kind} | ${ms(pct(cold, 50))} | ${ms(Math.max(...cold))} | ${ms(pct(warm, 50))} | ${ms(pct(warm, 95))} |`);
  }
  console.log(`RSS after the run: ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
}

await main();
