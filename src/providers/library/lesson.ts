/**
 * A lesson from WordNet: what the topic is, where it fits (its broader concept and siblings),
 * its kinds or examples, its parts and wholes, its members and groups, and its other meanings.
 */
import type { Lesson } from '../../content/schemas/lesson.js';
import type { BuildContext } from './context.js';
import { countFor, fitToLevel } from './level.js';
import { capitalize, claimWithDefinition, definitionText, easiestFirst, easyExamples, listPhrase, named, sentence, statement, subject } from './text.js';
import type { Concept, Topic } from './topic.js';

interface Part {
  objective: string;
  section: { heading: string; body: string };
  terms: Concept[];
  /** one or two questions or tasks for the check for understanding */
  check: string | string[];
}

export function buildLesson(ctx: BuildContext): Lesson {
  const { topic, level } = ctx;
  const parts = lessonParts(topic, ctx);
  const count = countFor(ctx.options, level, [3, 4, 5, 6], 12);
  return fitToLevel(parts, (kept) => assemble(topic, kept, ctx), level, { count, fixed: 1, min: 2 });
}

function assemble(topic: Topic, parts: Part[], ctx: BuildContext): Lesson {
  const seen = new Set<string>();
  const keyTerms = parts
    .flatMap((p) => p.terms)
    .filter((c) => !seen.has(c.label.toLowerCase()) && Boolean(seen.add(c.label.toLowerCase())))
    .slice(0, 10)
    .map((c) => ({ term: c.label, definition: definitionText(c, ctx.level) }));
  return {
    title: capitalize(topic.main.label),
    objectives: parts.map((p) => p.objective),
    sections: parts.map((p) => p.section),
    key_terms: keyTerms,
    check_for_understanding: parts.flatMap((p) => p.check),
  };
}

function lessonParts(topic: Topic, ctx: BuildContext): Part[] {
  const { main, broader, kinds, parts, partOf, members, memberOf, siblings, otherSenses } = topic;
  const it = named(main);
  // objectives in plain verbs up to grade 5, in the usual academic verbs (define, explain, identify) after
  const young = typeof ctx.level === 'number' && ctx.level <= 5;
  const out: Part[] = [];

  const examples = easyExamples(main, ctx.level).map((e) => `For example: “${sentence(e)}”`);
  out.push({
    objective: young ? `Say what ${it} is.` : `Define ${it} in your own words.`,
    section: { heading: `What is ${it}?`, body: [statement(main, ctx.level), ...examples].join(' ') },
    terms: [main],
    // for school learners, a vocabulary task too: the word used in a sentence of their own
    check: [young ? `What is ${it}?` : `How would you define ${it}?`, ...(typeof ctx.level === 'number' ? [`Use the word “${main.label}” in a sentence of your own.`] : [])],
  });
  const parent = broader[0];
  if (parent) {
    const others = siblings.filter((s) => !s.instance).slice(0, 4).map((s) => s.label);
    out.push({
      objective: young ? `Tell what larger group ${it} belongs to.` : `Explain how ${it} relates to other kinds of ${parent.label}.`,
      section: {
        heading: 'Where it fits',
        body: [
          sentence(`${subject(main)} is a kind of ${parent.label}`),
          statement(parent, ctx.level),
          ...(others.length >= 2 ? [sentence(`Other kinds of ${parent.label} are ${listPhrase(others)}`)] : []),
        ].join(' '),
      },
      terms: [parent],
      check: `What is ${it} a kind of?`,
    });
  }
  if (parts.length > 0) {
    out.push({
      objective: young ? `Name the parts of ${it}.` : `Identify the parts of ${it} and describe each one.`,
      section: { heading: `Parts of ${it}`, body: easiestFirst(parts, ctx.level).slice(0, 4).map((p) => statement(p, ctx.level)).join(' ') + ' ' + sentence(`Each of these is a part of ${it}`) },
      terms: easiestFirst(parts, ctx.level).slice(0, 4),
      check: young ? `Name one part of ${it}.` : `Describe one part of ${it}.`,
    });
  }
  const plain = easiestFirst(kinds.filter((k) => !k.instance), ctx.level).slice(0, 4);
  if (plain.length > 0) {
    out.push({
      objective: young ? `Name some kinds of ${main.label}.` : `Distinguish the different kinds of ${main.label}.`,
      section: { heading: `Kinds of ${main.label}`, body: plain.map((k) => statement(k, ctx.level)).join(' ') },
      terms: plain,
      check: young ? `Name one kind of ${main.label}.` : `How does one kind of ${main.label} differ from another?`,
    });
  }
  const instances = kinds.filter((k) => k.instance).slice(0, 4);
  if (instances.length > 0) {
    out.push({
      objective: young ? `Give real examples of ${it}.` : `Identify real examples of ${it}.`,
      section: { heading: 'Real examples', body: instances.map((k) => statement(k, ctx.level, k.label)).join(' ') },
      terms: [],
      check: `Can you name a real example of ${it}?`,
    });
  }
  if (partOf.length > 0 || memberOf.length > 0) {
    const wholes = [...partOf.map((w) => claimWithDefinition(`${subject(main)} is a part of ${named(w)}`, w, ctx.level)), ...memberOf.map((g) => claimWithDefinition(`${subject(main)} is a member of ${named(g)}`, g, ctx.level))];
    out.push({
      objective: young ? `Tell what ${it} is a part of.` : `Explain what larger whole ${it} belongs to.`,
      section: { heading: 'What it belongs to', body: wholes.slice(0, 3).join(' ') },
      terms: [...partOf, ...memberOf].slice(0, 2),
      check: `What is ${it} a part of?`,
    });
  }
  if (members.length > 0) {
    out.push({
      objective: young ? `Name members of ${it}.` : `Identify the members of ${it}.`,
      section: { heading: 'Its members', body: sentence(`Members of ${it} include ${listPhrase(members.slice(0, 5).map((m) => m.label))}`) },
      terms: members.slice(0, 2),
      check: `Name one member of ${it}.`,
    });
  }
  if (otherSenses.length > 0) {
    out.push({
      objective: young ? `Know other meanings of the word “${main.label}”.` : `Recognize other meanings of the word “${main.label}”.`,
      section: { heading: 'Other meanings', body: [`The word “${main.label}” can also mean other things.`, ...easiestFirst(otherSenses, ctx.level).slice(0, 2).map((s) => statement(s, ctx.level, 'It can mean', ''))].join(' ') },
      terms: [],
      check: `What is another meaning of the word “${main.label}”?`,
    });
  }
  return out;
}
