/** What every content builder of the library gets: the reader, the topic, the learner's level, the options. */
import type { Level } from './text.js';
import type { Topic } from './topic.js';
import type { WordNet } from './wordnet.js';

export interface BuildContext {
  wn: WordNet;
  topic: Topic;
  level: Level;
  options: Record<string, unknown>;
}
