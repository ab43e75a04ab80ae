/** Flashcards from WordNet: a term on the front, its definition on the back; the topic first. */
import type { Flashcards } from '../../content/schemas/flashcards.js';
import type { BuildContext } from './context.js';
import { countFor, fitToLevel } from './level.js';
import { capitalize, definitionText, distinctLabels, named, sentence } from './text.js';

export function buildFlashcards(ctx: BuildContext): Flashcards {
  const { topic, level } = ctx;
  const { main, broader, kinds, parts, partOf, members, memberOf, siblings } = topic;
  const terms = distinctLabels([main, ...broader.slice(0, 1), ...parts, ...kinds.filter((k) => !k.instance), ...partOf, ...memberOf, ...members, ...siblings.filter((s) => !s.instance)]);
  const cards = terms.map((c) => ({ front: capitalize(c.label), back: definitionText(c, level) }));
  if (broader[0]) cards.splice(1, 0, { front: `What is ${named(main)} a kind of?`, back: sentence(`${named(broader[0])}`) });
  const count = countFor(ctx.options, level, [4, 6, 8, 10], 30);
  return fitToLevel(cards, (kept) => ({ cards: kept }), level, { count, fixed: 1, min: 3 });
}
