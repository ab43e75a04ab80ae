/**
 * An outline from WordNet: a learning path that starts with the broader concept (what must be
 * known first), then the topic itself, its parts, its kinds, what it belongs to, and its neighbours.
 */
import type { Outline } from '../../content/schemas/outline.js';
import type { BuildContext } from './context.js';
import { countFor, fitToLevel } from './level.js';
import { capitalize, listPhrase, named, sentence, statement, subject } from './text.js';

type Section = Outline['sections'][number];

export function buildOutline(ctx: BuildContext): Outline {
  const { topic, level } = ctx;
  const { main, broader, kinds, parts, partOf, memberOf, members, siblings } = topic;
  const it = named(main);
  const labels = (cs: typeof kinds, n = 4) => listPhrase(cs.slice(0, n).map((c) => c.label));
  const sections: Section[] = [];
  const parent = broader[0];
  if (parent) {
    sections.push({
      title: `Start with ${parent.label}`,
      summary: statement(parent, level),
      objectives: [sentence(`Say what ${named(parent)} is`)],
    });
  }
  sections.push({ title: `What is ${it}?`, summary: statement(main, level), objectives: [sentence(`Say what ${it} is`), ...(parent ? [sentence(`Tell how ${it} is a kind of ${parent.label}`)] : [])] });
  if (parts.length > 0) sections.push({ title: `Parts of ${it}`, summary: sentence(`Learn the parts: ${labels(parts)}`), objectives: parts.slice(0, 3).map((p) => sentence(`Say what ${named(p)} is`)) });
  const plain = kinds.filter((k) => !k.instance);
  if (plain.length > 0) sections.push({ title: `Kinds of ${main.label}`, summary: sentence(`Meet the kinds: ${labels(plain)}`), objectives: plain.slice(0, 3).map((k) => sentence(`Tell what makes ${named(k)} different`)) });
  const instances = kinds.filter((k) => k.instance);
  if (instances.length > 0) sections.push({ title: 'Real examples', summary: sentence(`Look at real examples: ${labels(instances)}`), objectives: [sentence(`Name two real examples of ${it}`)] });
  const wholes = [...partOf, ...memberOf];
  if (wholes.length > 0) sections.push({ title: 'The bigger picture', summary: sentence(`${subject(main)} is part of ${labels(wholes, 3)}`), objectives: [sentence(`Tell what ${it} is a part of`)] });
  if (members.length > 0) sections.push({ title: 'Its members', summary: sentence(`Members include ${labels(members)}`), objectives: [sentence(`Name members of ${it}`)] });
  const near = siblings.filter((s) => !s.instance);
  if (parent && near.length >= 2) sections.push({ title: `Other kinds of ${parent.label}`, summary: sentence(`Compare ${it} with ${labels(near, 3)}`), objectives: [sentence(`Tell how ${it} differs from ${named(near[0])}`)] });
  sections.push({ title: 'Review', summary: sentence(`Check what you know about ${main.label}`), objectives: [sentence(`Explain ${main.label} in your own words`)] });
  const count = countFor(ctx.options, level, [4, 5, 6, 8], 30);
  const title = `Learning path: ${capitalize(main.label)}`;
  // the review stays last: fit the others, then append it
  const review = sections.pop() as Section;
  return fitToLevel(sections, (kept) => ({ title, sections: [...kept, review] }), level, { count: Math.max(1, count - 1), fixed: 1, min: 2 });
}
