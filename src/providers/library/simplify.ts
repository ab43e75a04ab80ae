/**
 * WordNet glosses rewritten for school learners: the definition proper as a short noun phrase
 * (the head), and what the gloss adds after it as short sentences of their own. Glosses are one
 * long phrase ("single-celled organisms lacking chlorophyll that reproduce by fission"); split at
 * their clauses they read as "Single-celled organisms. They lack chlorophyll. They reproduce by
 * fission." Also dropped for school: parentheses, everything after the first `;`, and the
 * taxonomy's Latin ("of the class Reptilia").
 *
 * Only patterns that keep the meaning are split: a relative clause whose next word is a verb (the
 * caller's `isVerb` knows, from WordNet), a past participle with its preposition ("used for"),
 * a present participle from a fixed list ("containing" → "It contains"), and "including" or
 * "such as" lists (→ "For example, …"). A head keeps at least three words, so a short gloss stays whole.
 */

export interface PlainGloss {
  /** the definition proper: a noun phrase with no end punctuation */
  head: string;
  /** the rest of the gloss as whole sentences */
  more: string[];
  /** the cleaned gloss in one piece (no parentheses, later `;` clauses or taxonomy), for older learners */
  whole: string;
}

const MIN_HEAD_WORDS = 3;
const MIN_TAIL_WORDS = 2;
const MAX_SPLITS = 3;

const TAXON = /\s+(?:of|in)\s+(?:the\s+)?(?:class|subclass|order|suborder|superorder|family|subfamily|superfamily|genus|phylum|subphylum|division|kingdom|tribe)\s+[A-Z][a-z]+/g;

/** past participles that start a clause of their own when followed by one of the prepositions */
const PARTICIPLES =
  'associated|used|made|produced|formed|caused|found|located|characterized|based|derived|known|composed|covered|shaped|filled|built|driven|powered|designed|intended|worn|eaten|grown|kept|held|placed|situated|marked|distinguished|surrounded|obtained|extracted|consumed|prepared|played|written|spoken|inhabited|bounded|separated|attached|connected|divided|considered|regarded|named|called|occupied|ruled|governed|led|controlled|caused|performed|done|given|taken';
const PREPOSITIONS = 'with|by|in|on|of|for|to|as|from|like|up|into|at|during|when|between|over|under|through|around';

/** present participle → [singular verb, plural verb] */
const ING: Record<string, [string, string]> = {
  consisting: ['consists', 'consist'],
  containing: ['contains', 'contain'],
  having: ['has', 'have'],
  involving: ['involves', 'involve'],
  resulting: ['results', 'result'],
  lacking: ['lacks', 'lack'],
  producing: ['produces', 'produce'],
  occurring: ['occurs', 'occur'],
  forming: ['forms', 'form'],
  using: ['uses', 'use'],
  bearing: ['bears', 'bear'],
  providing: ['provides', 'provide'],
  causing: ['causes', 'cause'],
  carrying: ['carries', 'carry'],
  covering: ['covers', 'cover'],
  extending: ['extends', 'extend'],
  belonging: ['belongs', 'belong'],
  relating: ['relates', 'relate'],
  dealing: ['deals', 'deal'],
  serving: ['serves', 'serve'],
  holding: ['holds', 'hold'],
  making: ['makes', 'make'],
  giving: ['gives', 'give'],
  taking: ['takes', 'take'],
  emphasizing: ['emphasizes', 'emphasize'],
  representing: ['represents', 'represent'],
  inhabiting: ['inhabits', 'inhabit'],
  characterizing: ['characterizes', 'characterize'],
};

/** words a head cannot end on: the split would cut a phrase in two ("stationary or | moving electrons", "is | used for") */
const DANGLING = new Set(['those', 'one', 'anyone', 'someone', 'something', 'anything', 'everyone', 'everything', 'that', 'is', 'are', 'was', 'were', 'be', 'been', 'being', 'or', 'and', 'but', 'nor', 'not', 'of', 'the', 'a', 'an', 'to', 'with', 'by', 'in', 'on', 'for', 'from', 'as', 'than', 'very', 'more', 'most', 'less', 'its', 'their', 'his', 'her']);
const SINGULAR_VERBS = new Set(['is', 'was', 'has', 'does']);
const PLURAL_VERBS = new Set(['are', 'were', 'have', 'do']);
const MODALS = new Set(['can', 'could', 'may', 'might', 'will', 'would', 'must', 'should', 'shall']);
const PERSON = /\b(?:person|someone|somebody|man|woman|child|boy|girl|people|member|worker|leader|ruler|official|officer|expert|specialist|player|writer|student|teacher|follower|inhabitant|native|citizen|traveler|explorer)s?\b/i;

type Split = { at: number; head: string; sentence: (plural: boolean, person: boolean) => string; tail: string };

/** The gloss of a concept as a short head and short sentences, for a school learner. */
export function plainGloss(definition: string, isVerb: (word: string) => boolean): PlainGloss {
  const cleaned =
    firstClause(definition.replace(/\s*\([^()]*\)/g, ''))
      .replace(TAXON, '')
      .replace(/\s+/g, ' ')
      .replace(/[\s,:;]+$/, '')
      .trim() || definition.trim();
  const more: string[] = [];
  let head = cleaned;
  let clause = cleaned;
  let plural = false;
  let person = PERSON.test(firstWords(cleaned, 4));
  for (let i = 0; i < MAX_SPLITS; i++) {
    const split = findSplit(clause, isVerb);
    if (!split) break;
    if (i === 0) {
      head = split.head;
      plural = isPlural(head);
    } else more[more.length - 1] = finish(split.head);
    more.push(finish(split.sentence(plural, person)));
    // the next clause is the new sentence; its subject stands for the same thing
    clause = split.sentence(plural, person);
    plural = /^They\b/.test(clause);
    person = person && !/^It\b/.test(clause);
  }
  return { head, more, whole: cleaned };
}

/**
 * The gloss up to its first `;`, except where a colon opens a list whose items the semicolons
 * separate ("extinct reptiles including: dinosaurs; plesiosaurs; pterosaurs"): that list is kept, with commas.
 */
function firstClause(gloss: string): string {
  const parts = gloss.split(';');
  if (!/:\s*[^:]*$/.test(parts[0]) || parts.length === 1) return parts[0];
  return parts.map((p) => p.trim()).join(', ');
}

/** The earliest place where the clause splits, with the sentence it becomes. */
function findSplit(clause: string, isVerb: (word: string) => boolean): Split | undefined {
  const candidates: Split[] = [];
  const add = (at: number, length: number, sentence: Split['sentence']) => {
    const head = clause.slice(0, at).replace(/[\s,]+$/, '');
    const tail = clause.slice(at + length).trim();
    const last = head.split(/\s+/).at(-1)?.toLowerCase() ?? '';
    // nor on an adverb: "a building formerly | occupied by a ruler"
    if (wordCount(head) >= MIN_HEAD_WORDS && wordCount(tail) >= MIN_TAIL_WORDS && !DANGLING.has(last) && !/ly$/.test(last)) candidates.push({ at, head, sentence, tail });
  };
  for (const m of clause.matchAll(/(?:,\s*|\s+)(in|through|by|on|at|with|from|under|into|for|during) which\s+/g)) {
    const rest = clause.slice(m.index + m[0].length);
    add(m.index, m[0].length, (plural) => `${m[1].charAt(0).toUpperCase()}${m[1].slice(1)} ${plural ? 'them' : 'it'}, ${rest}`);
  }
  for (const m of clause.matchAll(/(?:,\s*|\s+)(?:and\s+)?(that|which|who)\s+([a-z]+)\b/g)) {
    const verb = m[2];
    if (!isVerbAfterPronoun(verb, isVerb)) continue;
    const rest = clause.slice(m.index + m[0].length);
    // the subject stands for the word before the pronoun: its number, unless the verb says it
    const plural = verbNumber(verb) ?? pluralNoun(clause.slice(0, m.index).split(/\s+/).at(-1) ?? '');
    const who = m[1] === 'who';
    add(m.index, m[0].length - verb.length, () => `${subjectFor(plural, who)} ${verb}${rest}`);
  }
  for (const m of clause.matchAll(new RegExp(`(?:,\\s*|\\s+)(${PARTICIPLES})\\s+(${PREPOSITIONS})\\b`, 'g'))) {
    const rest = clause.slice(m.index + m[0].length);
    add(m.index, m[0].length, (plural, person) => `${subjectFor(plural, person)} ${plural ? 'are' : 'is'} ${m[1]} ${m[2]}${rest}`);
  }
  for (const m of clause.matchAll(/(?:,\s*|\s+)([a-z]+ing)\b/g)) {
    const forms = ING[m[1]];
    if (!forms) continue;
    const rest = clause.slice(m.index + m[0].length);
    add(m.index, m[0].length, (plural, person) => `${subjectFor(plural, person)} ${plural ? forms[1] : forms[0]}${rest}`);
  }
  for (const m of clause.matchAll(/(?:,\s*|\s+)(?:including|such as|e\.g\.):?\s+/g)) {
    const rest = clause.slice(m.index + m[0].length);
    add(m.index, m[0].length, () => `For example, ${rest}`);
  }
  return candidates.sort((a, b) => a.at - b.at)[0];
}

function isVerbAfterPronoun(word: string, isVerb: (word: string) => boolean): boolean {
  if (SINGULAR_VERBS.has(word) || PLURAL_VERBS.has(word) || MODALS.has(word)) return true;
  // "that the", "which a", "who in": not a verb, so not a clause to split here
  if (/^(?:the|a|an|it|its|this|these|those|his|her|their|one|some|there|you|we|they|in|of|on|at|to|is)$/.test(word)) return false;
  return isVerb(word);
}

/** true for a plural verb, false for a singular one, undefined when the verb does not say */
function verbNumber(verb: string): boolean | undefined {
  if (SINGULAR_VERBS.has(verb)) return false;
  if (PLURAL_VERBS.has(verb)) return true;
  if (MODALS.has(verb) || /ed$/.test(verb)) return undefined;
  return !/[^s]s$/.test(verb);
}

function subjectFor(plural: boolean, person: boolean): string {
  if (plural) return 'They';
  return person ? 'This person' : 'It';
}

/** A head noun phrase reads as plural when it has no singular determiner and ends in a plural noun. */
function isPlural(head: string): boolean {
  if (/^(?:a|an|one|any|each|every)\b/i.test(head)) return false;
  return pluralNoun(head.split(/\s+/).at(-1) ?? '');
}

const IRREGULAR_PLURALS = new Set(['people', 'children', 'men', 'women', 'teeth', 'feet', 'mice', 'geese', 'cattle', 'police', 'bacteria', 'fungi', 'algae', 'data', 'phenomena']);

function pluralNoun(word: string): boolean {
  const w = word.toLowerCase().replace(/[^a-z]/g, '');
  return IRREGULAR_PLURALS.has(w) || (/[^su]s$/.test(w) && !/(?:ics|ness|sis)$/.test(w));
}

function firstWords(s: string, n: number): string {
  return s.split(/\s+/).slice(0, n).join(' ');
}

function wordCount(s: string): number {
  return s.split(/\s+/).filter(Boolean).length;
}

function finish(s: string): string {
  const t = s.trim().replace(/[\s,:;]+$/, '');
  const c = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(c) ? c : `${c}.`;
}
