/**
 * Builds the content an intent asks for from WordNet, or says clearly why it cannot: a kind the
 * library does not write, a request without a topic, a topic WordNet lacks or knows too little
 * about. Each is a `not_found` error, so a route moves on to its next target.
 */
import { isKind, KINDS } from '../../content/schemas/index.js';
import { PolymathError } from '../../errors.js';
import type { ContentIntent } from '../types.js';
import type { BuildContext } from './context.js';
import { buildExplanation } from './explanation.js';
import { findTopicIn } from './find-topic.js';
import { buildFlashcards } from './flashcards.js';
import { buildKnowledgeGraph } from './knowledge-graph.js';
import { buildLesson } from './lesson.js';
import { levelOf } from './level.js';
import { buildOutline } from './outline.js';
import { buildQuiz } from './quiz.js';
import { lookupTopic, type Topic } from './topic.js';
import type { WordNet } from './wordnet.js';

type Builder = (ctx: BuildContext) => unknown;

const BUILDERS: Record<string, Builder> = {
  quiz: buildQuiz,
  lesson: buildLesson,
  flashcards: buildFlashcards,
  knowledge_graph: buildKnowledgeGraph,
  outline: buildOutline,
  explanation: buildExplanation,
};

/** The content kinds the library writes. */
export const LIBRARY_KINDS = Object.keys(BUILDERS);

/** The content object for an intent, valid against its kind's schema. */
export async function buildContent(wn: WordNet, intent: ContentIntent, provider: string): Promise<unknown> {
  const build = BUILDERS[intent.kind];
  if (!build || !isKind(intent.kind)) {
    throw notFound(`the offline library cannot write "${intent.kind}" content: it builds ${LIBRARY_KINDS.join(', ')} from WordNet`, 'kind_not_supported', provider);
  }
  const phrase = intent.topic?.trim();
  if (!phrase) throw notFound('the offline library builds content from a topic, and this request has none (only text)', 'topic_required', provider);
  const topic = await lookupTopic(wn, phrase);
  if (!topic) throw topicNotFound(phrase, provider);
  const content = await build({ wn, topic, level: levelOf(intent.persona), options: intent.options ?? {} });
  if (content === undefined) throw notFound(`WordNet knows too little about "${phrase}" to build ${intent.kind.replace('_', ' ')} content`, 'topic_too_thin', provider);
  const parsed = KINDS[intent.kind].schema.safeParse(content);
  if (!parsed.success) {
    throw new PolymathError('internal', `the library built ${intent.kind} content for "${phrase}" that does not match its schema: ${parsed.error.message}`, { provider });
  }
  return parsed.data;
}

/** A markdown explanation of what the last user message asks about. */
export async function explainText(wn: WordNet, text: string, provider: string): Promise<string> {
  const phrase = findTopicIn(wn, text);
  const topic: Topic | undefined = phrase ? await lookupTopic(wn, phrase) : undefined;
  if (!topic) throw topicNotFound(text.slice(0, 80), provider);
  return buildExplanation({ wn, topic, level: undefined, options: {} }).markdown;
}

function topicNotFound(phrase: string, provider: string): PolymathError {
  return notFound(`WordNet has no entry for "${phrase}": the offline library knows only dictionary words and phrases`, 'topic_not_found', provider);
}

function notFound(message: string, code: string, provider: string): PolymathError {
  return new PolymathError('not_found', message, { code, provider });
}
