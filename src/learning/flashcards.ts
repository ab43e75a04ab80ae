/**
 * Spaced-repetition flashcards, scheduled by FSRS (ts-fsrs). A card's whole FSRS state lives in
 * the store; a review runs ts-fsrs's `next` on it, so the schedule is exactly ts-fsrs's for the
 * same sequence of ratings and times.
 */
import { createEmptyCard, fsrs, type Card, type FSRS, type Grade } from 'ts-fsrs';
import type { LearningConfig } from '../config/learning.js';
import { generateContent, type Persona } from '../content/index.js';
import { PolymathError } from '../errors.js';
import { applyReview, dueFlashcards, getFlashcard, getLesson, insertFlashcards, type FlashcardRecord } from '../store/learning/index.js';
import { nowOf, type LearningDeps } from './deps.js';
import { newId } from './ids.js';
import { requireLearner } from './learners.js';
import { createFlashcardsSchema, parseBody, parseTime, reviewSchema } from './requests.js';
import { cardView } from './views.js';

const MAX_DUE = 200;

export function schedulerFor(cfg: LearningConfig['flashcards']): FSRS {
  return fsrs({ request_retention: cfg.retention, maximum_interval: cfg.maximum_interval, enable_fuzz: cfg.enable_fuzz, enable_short_term: cfg.enable_short_term });
}

/** The ts-fsrs card a stored card holds. */
export function toFsrsCard(c: FlashcardRecord): Card {
  return {
    due: new Date(c.due),
    stability: c.stability,
    difficulty: c.difficulty,
    elapsed_days: c.elapsed_days,
    scheduled_days: c.scheduled_days,
    learning_steps: c.learning_steps,
    reps: c.reps,
    lapses: c.lapses,
    state: c.state,
    ...(c.last_review === null ? {} : { last_review: new Date(c.last_review) }),
  };
}

function fsrsColumns(card: Card) {
  return {
    due: card.due.getTime(),
    stability: card.stability,
    difficulty: card.difficulty,
    elapsed_days: card.elapsed_days,
    scheduled_days: card.scheduled_days,
    learning_steps: card.learning_steps,
    reps: card.reps,
    lapses: card.lapses,
    state: card.state,
    last_review: card.last_review ? card.last_review.getTime() : null,
  };
}

export async function createFlashcards(deps: LearningDeps, learnerId: string, body: unknown, requestId: string, signal: AbortSignal) {
  const b = parseBody(createFlashcardsSchema, body);
  const learner = await requireLearner(deps, learnerId);
  let topic = b.topic;
  if (b.lesson_id !== undefined) {
    const lesson = await getLesson(deps.store.db, b.lesson_id);
    if (!lesson || lesson.learner_id !== learnerId) throw new PolymathError('not_found', `No lesson "${b.lesson_id}" for learner "${learnerId}".`, { param: 'lesson_id', code: 'lesson_not_found' });
    if (!lesson.topic) throw new PolymathError('conflict', `Lesson "${b.lesson_id}" is not ready yet (status ${lesson.status}).`, { param: 'lesson_id', code: 'lesson_not_ready' });
    topic = lesson.topic;
  }
  const cfg = deps.config();
  const out = await generateContent(
    deps.gateway,
    { kind: 'flashcards', topic, persona: learner.persona as Persona, model: cfg.model, options: { count: b.count ?? cfg.flashcards.count, timeout_ms: cfg.generation_timeout_ms } },
    { signal, requestId },
  );
  const now = nowOf(deps);
  const cards: FlashcardRecord[] = out.content.cards.map((c) => ({
    id: newId('card'),
    learner_id: learnerId,
    lesson_id: b.lesson_id ?? null,
    topic: topic ?? null,
    front: c.front,
    back: c.back,
    created_at: now,
    ...fsrsColumns(createEmptyCard(new Date(now))),
  }));
  await insertFlashcards(deps.store.db, cards);
  return { object: 'list', data: cards.map(cardView) };
}

export async function dueCards(deps: LearningDeps, learnerId: string, nowIso: string | undefined) {
  await requireLearner(deps, learnerId);
  const at = parseTime(nowIso, 'now', nowOf(deps));
  const cards = await dueFlashcards(deps.store.db, learnerId, at, MAX_DUE);
  return { object: 'list', now: new Date(at).toISOString(), data: cards.map(cardView) };
}

export async function reviewCard(deps: LearningDeps, cardId: string, body: unknown) {
  const b = parseBody(reviewSchema, body);
  const card = await getFlashcard(deps.store.db, cardId);
  if (!card) throw new PolymathError('not_found', `No flashcard "${cardId}".`, { code: 'flashcard_not_found' });
  const at = parseTime(b.reviewed_at, 'reviewed_at', nowOf(deps));
  if (card.last_review !== null && at < card.last_review) {
    throw new PolymathError('invalid_request', `reviewed_at is before the card's last review (${new Date(card.last_review).toISOString()}).`, { param: 'reviewed_at', code: 'invalid_value' });
  }
  const next = schedulerFor(deps.config().flashcards).next(toFsrsCard(card), new Date(at), b.rating as Grade);
  const after = fsrsColumns(next.card);
  const applied = await applyReview(deps.store.db, card, after, {
    id: newId('rev'),
    card_id: card.id,
    learner_id: card.learner_id,
    rating: b.rating,
    reviewed_at: at,
    state: card.state,
    due: after.due,
    scheduled_days: after.scheduled_days,
  });
  if (!applied) throw new PolymathError('conflict', `Flashcard "${cardId}" was reviewed by another request at the same time; read it and review again.`, { code: 'concurrent_review' });
  return { card: cardView({ ...card, ...after }), review: { rating: b.rating, reviewed_at: new Date(at).toISOString() } };
}
