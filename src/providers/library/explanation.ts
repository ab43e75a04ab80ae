/** An explanation in markdown from WordNet: the definition, examples, where it fits, parts and kinds. */
import type { Explanation } from '../../content/schemas/explanation.js';
import type { BuildContext } from './context.js';
import { fitToLevel } from './level.js';
import { capitalize, definitionText, easiestFirst, easyExamples, listPhrase, named, sentence, statement, subject } from './text.js';
import type { Concept } from './topic.js';

export function buildExplanation(ctx: BuildContext): Explanation {
  const { topic, level } = ctx;
  const { main, broader, kinds, parts, partOf, memberOf, members, otherSenses } = topic;
  const def = (c: Concept) => definitionText(c, level);
  const it = named(main);
  const blocks: string[] = [statement(main, level)];
  const examples = easyExamples(main, level);
  if (examples.length > 0) blocks.push(examples.map((e) => `> ${sentence(e)}`).join('\n'));
  const parent = broader[0];
  if (parent) blocks.push(`## Where it fits\n\n${sentence(`${subject(main)} is a kind of ${parent.label}`)}`, statement(parent, level));
  if (parts.length > 0) blocks.push(`## Parts\n\n${bullets(easiestFirst(parts, level), def)}`);
  const plain = easiestFirst(kinds.filter((k) => !k.instance), level);
  if (plain.length > 0) blocks.push(`## Kinds of ${main.label}\n\n${bullets(plain, def)}`);
  const instances = easiestFirst(kinds.filter((k) => k.instance), level);
  if (instances.length > 0) blocks.push(`## Examples\n\n${bullets(instances, def)}`);
  const wholes = [...partOf, ...memberOf];
  if (wholes.length > 0) blocks.push(`## What it belongs to\n\n${sentence(`${subject(main)} is part of ${listPhrase(wholes.slice(0, 3).map(named))}`)}`);
  if (members.length > 0) blocks.push(`## Members\n\n${sentence(`Members of ${it} include ${listPhrase(members.slice(0, 5).map((m) => m.label))}`)}`);
  if (otherSenses.length > 0) blocks.push(`## Other meanings\n\n${otherSenses.slice(0, 3).map((s) => `- ${definitionText(s, level)}`).join('\n')}`);
  const title = capitalize(main.label);
  return fitToLevel(blocks, (kept) => ({ title, markdown: `# ${title}\n\n${kept.join('\n\n')}\n` }), level, { count: blocks.length, fixed: 1, min: 2 });
}

function bullets(cs: Concept[], def: (c: Concept) => string): string {
  return cs
    .slice(0, 5)
    .map((c) => `- **${c.label}**: ${def(c)}`)
    .join('\n');
}
