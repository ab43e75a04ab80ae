/**
 * Finds what a free-text question is about: "what is a volcano?" → volcano. The longest phrase of
 * up to three words that WordNet lists wins (nouns before other parts of speech), earlier before
 * later; request words ("what", "explain", "tell me about") are never a topic on their own.
 */
import { POS_ORDER, type WordNet } from './wordnet.js';

const STOP = new Set(
  `a an the of in on at to for from by with about into over under and or but not no is are was were be been being am do does did
  can could would should will shall may might must have has had i me my you your we our they their it its this that these those there here
  what whats which who whom whose why how when where explain describe define definition tell show teach give write say mean means meaning
  please kind some any all more most much many very really just also like know learn understand help work works simple simply words word
  quiz lesson about kids child children grader graders grade topic`.split(/\s+/),
);

const MAX_WORDS = 60;

/** The phrase to look up, as written in the text, or undefined when no WordNet entry is found. */
export function findTopicIn(wn: WordNet, text: string): string | undefined {
  const words = (text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? []).slice(0, MAX_WORDS);
  for (const pos of POS_ORDER) {
    for (let n = 3; n >= 1; n--) {
      for (let i = 0; i + n <= words.length; i++) {
        const gram = words.slice(i, i + n);
        if (STOP.has(gram[0]) || STOP.has(gram[n - 1])) continue;
        const phrase = gram.join(' ');
        if (wn.findLemma(phrase, pos)) return phrase;
      }
    }
  }
  return undefined;
}
