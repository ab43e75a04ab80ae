/**
 * A quiz from WordNet: multiple-choice questions whose wrong options are sibling concepts (other
 * kinds of the same broader concept), and short answers graded by WordNet's own words.
 */
import type { Quiz, QuizQuestion } from '../../content/schemas/quiz.js';
import { syllable } from 'syllable';
import type { BuildContext } from './context.js';
import { countFor, fitToLevel } from './level.js';
import { capitalize, claimWithDefinition, distinctLabels, easiestFirst, easyExamples, hash, listPhrase, named, norm, quoted, sentence, statement, subject, whichWordMeans } from './text.js';
import { instancesAround, siblingsOfConcept, type Concept } from './topic.js';

const MAX_QUESTIONS = 20;

export async function buildQuiz(ctx: BuildContext): Promise<Quiz | undefined> {
  const asks = new Map<QuizQuestion, string>();
  const candidates = await questions(ctx, asks);
  // fewer than three questions is not a quiz worth giving: let the route try another provider
  if (candidates.length < 3) return undefined;
  const count = countFor(ctx.options, ctx.level, [3, 5, 6, 8], MAX_QUESTIONS);
  const title = `Quiz: ${capitalize(ctx.topic.main.label)}`;
  return fitToLevel(candidates, (qs) => ({ title, questions: qs }), ctx.level, { count, min: 3, asks: (q) => asks.get(q) });
}

/**
 * Every question WordNet supports for the topic, in the order they are asked. `asks` gets what a
 * question asks when another question asks the same in another form (the definition, as multiple
 * choice and as short answer): a quiz keeps only one of them.
 */
async function questions(ctx: BuildContext, asks: Map<QuizQuestion, string>): Promise<QuizQuestion[]> {
  const { wn, topic, level } = ctx;
  const { main, broader, kinds, parts, partOf, members, memberOf } = topic;
  const optionCount = typeof level === 'number' && level <= 2 ? 3 : 4;
  const mc = (q: string, key: Concept, wrong: Concept[], explanation: string) => multipleChoice(q, key, wrong, explanation, optionCount, typeof level === 'number');
  const siblings = (c: Concept) => siblingsOfConcept(wn, c);
  const parent = broader[0];
  const cousins = parent ? await siblings(parent) : [];
  const isKind = new Set(kinds.map((k) => norm(k.label)));
  const notKinds = (cs: Concept[]) => cs.filter((c) => !isKind.has(norm(c.label)));
  const plain = easiestFirst(kinds.filter((k) => !k.instance), level);
  const named_ = kinds.filter((k) => k.instance);

  const out: Array<QuizQuestion | undefined> = [];
  const asking = (what: string, q: QuizQuestion | undefined) => {
    if (q) asks.set(q, what);
    return q;
  };
  // What the topic is: its definition, against its siblings and cousins.
  const nearby = notKinds([...topic.siblings, ...cousins]);
  out.push(asking('definition', mc(whichWordMeans(main, level), main, nearby, statement(main, ctx.level))));
  // The word in use: one of WordNet's example sentences with the word left out (the easiest one).
  const blank = fillInTheBlank(main, level);
  if (blank) out.push(mc(`Which word fits in the blank? ${quoted(blank)}`, main, nearby, statement(main, ctx.level)));
  if (parent) {
    const up = await siblings(parent);
    const ancestors = new Set(broader.map((b) => norm(b.label)));
    out.push(mc(`${subject(main)} is a kind of what?`, parent, up.filter((c) => !ancestors.has(norm(c.label))), sentence(`${subject(main)} is a kind of ${parent.label}`)));
    out.push(shortAnswer(`What larger group does ${named(main)} belong to?`, broader, `${sentence(`${subject(main)} is a kind of ${parent.label}`)}`, `Accept ${listPhrase(broader.map((b) => b.label), 'or')} or a word that means the same.`));
  }
  if (plain[0]) {
    const k = plain[0];
    out.push(mc(`Which of these is a kind of ${main.label}?`, k, notKinds(topic.siblings.filter((c) => !c.instance)), claimWithDefinition(`${subject(k)} is a kind of ${main.label}`, k, level)));
  }
  if (named_[0] && parent) {
    const k = named_[0];
    const others = notKinds(await instancesAround(wn, parent, topic.siblings));
    out.push(mc(`Which of these is an example of ${named(main)}?`, k, others, claimWithDefinition(`${k.label} is an example of ${named(main)}`, k, level)));
  }
  for (const [i, p] of easiestFirst(parts, level).slice(0, 2).entries()) {
    const partLabels = new Set(parts.map((x) => norm(x.label)));
    const wrong = (await siblings(p)).filter((c) => !partLabels.has(norm(c.label)));
    out.push(mc(`Which of these is ${i === 0 ? 'a' : 'another'} part of ${named(main)}?`, p, wrong, claimWithDefinition(`${subject(p)} is a part of ${named(main)}`, p, level)));
  }
  if (parts.length > 0) {
    out.push(shortAnswer(`Name one part of ${named(main)}.`, parts, sentence(`Parts of ${named(main)} include ${listPhrase(parts.slice(0, 3).map((p) => p.label))}`), `Accept any part named in WordNet: ${listPhrase(parts.map((p) => p.label), 'or')}.`));
  }
  if (partOf[0]) {
    out.push(mc(`${subject(main)} is a part of what?`, partOf[0], await siblings(partOf[0]), sentence(`${subject(main)} is a part of ${named(partOf[0])}`)));
  }
  if (memberOf[0]) {
    out.push(mc(`${subject(main)} belongs to which group?`, memberOf[0], await siblings(memberOf[0]), sentence(`${subject(main)} is a member of ${named(memberOf[0])}`)));
  }
  for (const [i, m] of members.slice(0, 2).entries()) {
    const memberLabels = new Set(members.map((x) => norm(x.label)));
    const wrong = (await siblings(m)).filter((c) => !memberLabels.has(norm(c.label)));
    out.push(mc(`Which of these is ${i === 0 ? 'a' : 'another'} member of ${named(main)}?`, m, wrong, sentence(`${m.label} is a member of ${named(main)}`)));
  }
  if (kinds.length > 0) {
    const what = named_.length > plain.length ? 'example' : 'kind';
    const of = what === 'example' ? named(main) : main.label;
    out.push(shortAnswer(`Name one ${what} of ${of}.`, kinds, sentence(`${capitalize(what)}s of ${of} include ${listPhrase(kinds.slice(0, 3).map((k) => k.label))}`), `Accept any ${what} named in WordNet: ${listPhrase(kinds.map((k) => k.label), 'or')}.`));
  }
  // Which kind is which: a kind's definition against the other kinds.
  for (const k of easiestFirst(kinds, level).slice(0, 3)) {
    out.push(mc(whichWordMeans(k, level), k, kinds.filter((x) => x !== k), statement(k, ctx.level)));
  }
  out.push(asking('definition', shortAnswer(whichWordMeans(main, level, 'What'), [main], statement(main, ctx.level), `Accept ${listPhrase([main.label, ...main.synonyms], 'or')}.`)));
  return out.filter((q) => q !== undefined);
}

/**
 * A multiple-choice question, or undefined when fewer than two distinct wrong options exist.
 * The wrong options are rotated by a hash of the question, one longer than the key is kept when
 * there is one (so the key is not the longest option), and the key's place comes from the hash.
 */
function multipleChoice(question: string, key: Concept, wrong: Concept[], explanation: string, optionCount: number, easy: boolean): QuizQuestion | undefined {
  const answer = key.label;
  let pool = distinctLabels(wrong, [answer, ...key.synonyms]).map((c) => c.label);
  // A proper name among common nouns (or the reverse) gives the answer away: match the key's case when we can.
  const proper = (label: string) => /^[A-Z]/.test(label);
  const alike = pool.filter((label) => proper(label) === proper(answer));
  if (alike.length >= 2) pool = alike;
  if (pool.length < 2) return undefined;
  // For school learners the plainest wrong options (fewest syllables) come first.
  const ranked = easy ? [...pool].sort((a, b) => syllablesOf(a) - syllablesOf(b)) : pool;
  const head = ranked.slice(0, Math.max(optionCount + 1, 2));
  const h = hash(question + answer);
  const rot = h % head.length;
  const chosen = [...head.slice(rot), ...head.slice(0, rot)].slice(0, optionCount - 1);
  if (chosen.every((o) => o.length <= answer.length)) {
    const longer = ranked.find((o) => o.length > answer.length && !chosen.includes(o));
    if (longer) chosen[chosen.length - 1] = longer;
  }
  const at = h % (chosen.length + 1);
  const options = [...chosen.slice(0, at), answer, ...chosen.slice(at)];
  return { type: 'multiple_choice', question, options, correct_index: at, explanation };
}

/** An example sentence of the concept with its word replaced by a blank, or undefined when none uses the word as it is. */
function fillInTheBlank(c: Concept, level: BuildContext['level']): string | undefined {
  const word = new RegExp(`\\b${c.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i');
  const example = easyExamples(c, level).find((e) => word.test(e)) ?? (typeof level === 'number' ? undefined : c.examples.find((e) => word.test(e)));
  return example ? sentence(example.replace(word, '_____')) : undefined;
}

function syllablesOf(phrase: string): number {
  return phrase.split(/\s+/).reduce((n, w) => n + Math.max(1, syllable(w)), 0);
}

function shortAnswer(question: string, answers: Concept[], explanation: string, rubric: string): QuizQuestion {
  const accepted = distinctLabels(answers.flatMap((c) => [c, ...c.synonyms.map((s) => ({ ...c, label: s }))])).map((c) => c.label).slice(0, 20);
  return { type: 'short_answer', question, accepted_answers: accepted, rubric, explanation };
}
