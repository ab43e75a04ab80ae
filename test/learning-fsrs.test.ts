/**
 * Flashcards follow ts-fsrs exactly: a sequence of reviews through the API gives, step by step,
 * the card that ts-fsrs itself computes for the same ratings and times with the same parameters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyCard, fsrs, type Card, type Grade } from 'ts-fsrs';
import { DIALECTS, dropSchemas, startLearningServer } from './helpers/learning.js';

afterAll(dropSchemas);

const STATES = ['new', 'learning', 'review', 'relearning'];
const PARAMS = { retention: 0.85, maximum_interval: 365, enable_fuzz: true, enable_short_term: true };

for (const d of DIALECTS) {
  describe.skipIf(!d.available)(`FSRS flashcards on ${d.name}`, () => {
    let server: Awaited<ReturnType<typeof startLearningServer>>;
    beforeAll(async () => {
      server = await startLearningServer(await d.url(), { flashcards: PARAMS });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('schedules a review sequence exactly as ts-fsrs does', async () => {
      const learner = await server.pm.createLearner({ persona: { grade: 'adult' } });
      const cards = await server.pm.createFlashcards(learner.id, { topic: 'volcano', count: 3 });
      expect(cards.length).toBeGreaterThanOrEqual(3);
      const start = Date.parse(cards[0].due);
      const f = fsrs({ request_retention: PARAMS.retention, maximum_interval: PARAMS.maximum_interval, enable_fuzz: true, enable_short_term: true });
      let expected: Card = createEmptyCard(new Date(start));
      const minute = 60_000;
      const day = 86_400_000;
      const steps: Array<[number, Grade | 'again' | 'hard' | 'good' | 'easy']> = [
        [start + minute, 'good'],
        [start + 11 * minute, 1],
        [start + 20 * minute, 'good'],
        [start + 2 * day, 'easy'],
        [start + 30 * day, 'hard'],
        [start + 120 * day, 'again'],
        [start + 121 * day, 4],
      ];
      const grade = { again: 1, hard: 2, good: 3, easy: 4 } as const;
      for (const [at, rating] of steps) {
        const { card } = await server.pm.reviewFlashcard(cards[0].id, { rating, reviewed_at: new Date(at).toISOString() });
        expected = f.next(expected, new Date(at), (typeof rating === 'number' ? rating : grade[rating]) as Grade).card;
        expect(card).toMatchObject({
          due: expected.due.toISOString(),
          stability: expected.stability,
          difficulty: expected.difficulty,
          state: STATES[expected.state],
          reps: expected.reps,
          lapses: expected.lapses,
        });
      }
      expect(expected.lapses).toBe(1);
      // The other cards are untouched and still due at the start.
      const due = await server.pm.dueFlashcards(learner.id, new Date(start));
      expect(due.map((c) => c.id)).toEqual(expect.arrayContaining(cards.slice(1).map((c) => c.id)));
      expect(due.map((c) => c.id)).not.toContain(cards[0].id);
    });

    it('refuses a review dated before the card’s last review', async () => {
      const learner = await server.pm.createLearner({ persona: {} });
      const [card] = await server.pm.createFlashcards(learner.id, { topic: 'bird', count: 3 });
      const t = Date.parse(card.due) + 60_000;
      await server.pm.reviewFlashcard(card.id, { rating: 3, reviewed_at: new Date(t).toISOString() });
      await expect(server.pm.reviewFlashcard(card.id, { rating: 3, reviewed_at: new Date(t - 1_000).toISOString() })).rejects.toMatchObject({ status: 400, param: 'reviewed_at' });
    });
  });
}
