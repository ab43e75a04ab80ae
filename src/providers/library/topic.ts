/**
 * What WordNet knows about a topic, gathered into one small object: the chosen sense, its broader
 * concepts (hypernyms), kinds and examples (hyponyms), parts and wholes (meronyms, holonyms),
 * members and groups, and its siblings (co-hyponyms), which make good quiz distractors.
 * Every list has a bound, so a topic costs at most a few hundred synset reads.
 */
import { lemmaKey } from './morphy.js';
import { plainGloss, type PlainGloss } from './simplify.js';
import { POS_ORDER, type Pointer, type Pos, type Synset, type WordNet } from './wordnet.js';

export interface Concept {
  /** `pos:offset`, unique in WordNet */
  key: string;
  /** the first word of the synset: "volcano", "Mount Etna" */
  label: string;
  /** the other words of the synset */
  synonyms: string[];
  definition: string;
  examples: string[];
  /** a named individual (an instance, like "Etna"), not a kind */
  instance: boolean;
  /** a mass noun or process ("electricity", "oxygen", "digestion"): no "a" before it */
  mass: boolean;
  /** the definition as a short head and short sentences, for school learners */
  plain: PlainGloss;
}

/** WordNet's noun files for attributes, feelings, phenomena, processes, states and substances: mass nouns */
const MASS_LEX_FILES = new Set([7, 12, 19, 22, 26, 27]);

export interface Topic {
  /** the lemma found for the request, as WordNet writes it ("volcano") */
  lemma: string;
  pos: Pos;
  main: Concept;
  /** the other senses of the lemma */
  otherSenses: Concept[];
  broader: Concept[];
  kinds: Concept[];
  parts: Concept[];
  partOf: Concept[];
  members: Concept[];
  memberOf: Concept[];
  /** other kinds of the first broader concept */
  siblings: Concept[];
  /** concepts of the same subject area (WordNet's topic domain) */
  domain: Concept[];
}

/** The bounds of each list. */
export const LIMITS = { senses: 8, broader: 3, kinds: 12, parts: 8, partOf: 4, members: 8, memberOf: 4, siblings: 12, domain: 2 };

const HYPERNYM = ['@', '@i'];
const HYPONYM = ['~', '~i'];
const PART = ['%p', '%s'];
const PART_OF = ['#p', '#s'];
/** pointers that tie a concept into the taxonomy and partonomy: what a sense is scored by */
const STRUCTURAL = [...HYPERNYM, ...HYPONYM, ...PART, ...PART_OF, '%m', '#m'];

/** The plain gloss of a synset, kept as long as the reader's cache keeps the synset. */
const plainGlosses = new WeakMap<Synset, PlainGloss>();
function plainOf(wn: WordNet, s: Synset): PlainGloss {
  let plain = plainGlosses.get(s);
  if (!plain) plainGlosses.set(s, (plain = plainGloss(s.definition, (word) => wn.findLemma(word, 'v') !== undefined)));
  return plain;
}

/** A concept of a synset; `wn` tells the verbs apart when the gloss is split into sentences. */
export function concept(wn: WordNet, s: Synset, instance = false): Concept {
  return {
    key: `${s.pos}:${s.offset}`,
    label: s.words[0],
    synonyms: s.words.slice(1),
    definition: s.definition,
    examples: s.examples,
    instance,
    mass: s.pos === 'n' && MASS_LEX_FILES.has(s.lexFile),
    // computed on first use (most concepts read are never defined to the learner), then kept per synset
    get plain() {
      return plainOf(wn, s);
    },
  };
}

/** Finds the phrase in WordNet (nouns first) and gathers its topic, or undefined when WordNet lacks it. */
export async function lookupTopic(wn: WordNet, phrase: string): Promise<Topic | undefined> {
  for (const pos of POS_ORDER) {
    const lemma = wn.findLemma(phrase, pos);
    if (lemma) return gather(wn, lemma, pos);
  }
  return undefined;
}

async function gather(wn: WordNet, lemma: string, pos: Pos): Promise<Topic> {
  const offsets = wn.senses(lemma, pos).slice(0, LIMITS.senses);
  const senses = await Promise.all(offsets.map((o) => wn.synset(pos, o)));
  const main = chooseSense(senses, lemma);
  const read = (ptrs: Pointer[], limit: number) => Promise.all(ptrs.slice(0, limit).map((p) => wn.synset(p.pos, p.offset)));
  const related = (symbols: string[]) => main.pointers.filter((p) => symbols.includes(p.symbol));

  const broaderPtrs = related(HYPERNYM);
  const [broader, kinds, parts, partOf, members, memberOf, domain] = await Promise.all([
    read(broaderPtrs, LIMITS.broader),
    read(related(HYPONYM), LIMITS.kinds),
    read(related(PART), LIMITS.parts),
    read(related(PART_OF), LIMITS.partOf),
    read(related(['%m']), LIMITS.members),
    read(related(['#m']), LIMITS.memberOf),
    read(related([';c']), LIMITS.domain),
  ]);
  const instanceOffsets = new Set(main.pointers.filter((p) => p.symbol === '~i').map((p) => p.offset));
  const siblings = broader[0] ? await siblingsOf(wn, broader[0], main.offset) : [];

  return {
    lemma: lemma.replace(/_/g, ' '),
    pos,
    main: { ...concept(wn, main, broaderPtrs[0]?.symbol === '@i'), label: main.words.find((w) => lemmaKey(w) === lemma) ?? lemma.replace(/_/g, ' ') },
    otherSenses: senses.filter((s) => s !== main).map((s) => concept(wn, s)),
    broader: broader.map((s) => concept(wn, s)),
    kinds: kinds.map((s) => concept(wn, s, instanceOffsets.has(s.offset))),
    parts: parts.map((s) => concept(wn, s)),
    partOf: partOf.map((s) => concept(wn, s)),
    members: members.map((s) => concept(wn, s)),
    memberOf: memberOf.map((s) => concept(wn, s)),
    siblings,
    domain: domain.map((s) => concept(wn, s)),
  };
}

/** The other kinds of `parent`, leaving out `exclude` (the concept whose siblings they are). */
export async function siblingsOf(wn: WordNet, parent: Synset, exclude: number, limit = LIMITS.siblings): Promise<Concept[]> {
  const ptrs = parent.pointers.filter((p) => HYPONYM.includes(p.symbol) && p.offset !== exclude).slice(0, limit);
  const synsets = await Promise.all(ptrs.map((p) => wn.synset(p.pos, p.offset)));
  return synsets.map((s, i) => concept(wn, s, ptrs[i].symbol === '~i'));
}

/**
 * The sense to teach: the one most tied into the taxonomy (capped, so a sense with hundreds of
 * kinds does not always win), with a head start for senses headed by the lemma itself and for
 * WordNet's most frequent senses, and a handicap for senses marked as a specialist field's. "volcano" is then the mountain rather than the vent, "fraction"
 * the number, "heart" the organ rather than the centre of a region.
 */
const SCHOOL_FIELDS = /^\((?:biology|botany|zoology|anatomy|physiology|genetics|ecology|physics|chemistry|geology|astronomy|meteorology|geography|mathematics|geometry|arithmetic|algebra|statistics|grammar|linguistics|phonetics|music|history|economics|logic)\b/i;

function chooseSense(senses: Synset[], lemma: string): Synset {
  let best = senses[0];
  let bestScore = -1;
  senses.forEach((s, i) => {
    const structural = s.pointers.filter((p) => STRUCTURAL.includes(p.symbol)).length;
    const headword = lemmaKey(s.words[0]) === lemma ? 3 : 0;
    // a gloss that opens with a field schools do not teach ("(psychoanalysis) an unconscious process…") is a specialist's sense
    const specialist = /^\(/.test(s.definition) && !SCHOOL_FIELDS.test(s.definition) ? 4 : 0;
    const score = Math.min(structural, 6) + headword + Math.max(0, 2 - i) - specialist;
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  });
  return best;
}

/** The other kinds of the concept's first broader concept (its co-hyponyms), excluding itself. */
export async function siblingsOfConcept(wn: WordNet, c: Concept, limit = LIMITS.siblings): Promise<Concept[]> {
  const s = await synsetOf(wn, c);
  const up = s.pointers.find((p) => HYPERNYM.includes(p.symbol));
  if (!up) return [];
  return siblingsOf(wn, await wn.synset(up.pos, up.offset), s.offset, limit);
}

/**
 * Named individuals near a concept: instances of its parent and of its siblings ("Black Hills"
 * beside the volcanoes), the wrong options for "which of these is an example of …".
 */
export async function instancesAround(wn: WordNet, parent: Concept, siblings: readonly Concept[], limit = LIMITS.siblings): Promise<Concept[]> {
  const holders = await Promise.all([parent, ...siblings.filter((c) => !c.instance)].map((c) => synsetOf(wn, c)));
  const ptrs = holders.flatMap((s) => s.pointers.filter((p) => p.symbol === '~i').slice(0, 2)).slice(0, limit);
  const direct = siblings.filter((c) => c.instance);
  const read = await Promise.all(ptrs.map((p) => wn.synset(p.pos, p.offset)));
  return [...direct, ...read.map((s) => concept(wn, s, true))];
}

/** Reads the synset of a concept again (cached by the reader), for a second level of relations. */
export function synsetOf(wn: WordNet, c: Concept): Promise<Synset> {
  const [pos, offset] = c.key.split(':');
  return wn.synset(pos as Pos, Number(offset));
}
