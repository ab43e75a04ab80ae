import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Persona } from '../src/content/persona.js';
import { checkContent } from '../src/content/quality/index.js';
import { KINDS, type Kind } from '../src/content/schemas/index.js';
import { isPolymathError, type PolymathError } from '../src/errors.js';
import { LibraryProvider, LIBRARY_MODEL } from '../src/providers/library.js';
import type { ContentIntent } from '../src/providers/types.js';

const KINDS_BUILT: Kind[] = ['quiz', 'lesson', 'flashcards', 'knowledge_graph', 'outline', 'explanation'];
/** topic → the learner it is written for: a grade where WordNet's vocabulary fits the band, or an adult */
const TOPICS: Array<[string, Persona]> = [
  ['volcano', { grade: 5 }],
  ['fraction', { grade: 5 }],
  ['democracy', { grade: 8 }],
  ['photosynthesis', { grade: 8 }],
  ['heart', { grade: 5 }],
  ['triangle', { grade: 6 }],
  ['cell', { grade: 5 }],
  ['planet', { grade: 6 }],
  ['democracy', { grade: 'adult' }],
  ['photosynthesis', { grade: 'adult' }],
];

let lib: LibraryProvider;
beforeAll(async () => {
  lib = new LibraryProvider('library', { type: 'library', cache_size: 4096 });
  await lib.start();
});
afterAll(() => lib?.close());

async function generate(intent: ContentIntent): Promise<unknown> {
  const res = await lib.chat({ model: LIBRARY_MODEL, messages: [{ role: 'user', content: `${intent.kind} on ${intent.topic}` }] }, { signal: new AbortController().signal, model: LIBRARY_MODEL, requestId: 't', intent });
  return JSON.parse(res.body.choices[0].message.content ?? '');
}

async function failure(p: Promise<unknown>): Promise<PolymathError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!isPolymathError(err)) throw new Error(`expected a PolymathError, got ${String(err)}`);
  return err;
}

describe('library content on real WordNet topics', () => {
  for (const [topic, persona] of TOPICS) {
    for (const kind of KINDS_BUILT) {
      it(`writes a ${kind} on ${topic} for grade ${persona.grade} that matches its schema and passes every check`, async () => {
        const content = await generate({ kind, topic, persona });
        const parsed = KINDS[kind].schema.safeParse(content);
        expect(parsed.success, parsed.error?.message).toBe(true);
        const report = checkContent(kind, parsed.data as never, persona);
        expect(report.checks.filter((c) => !c.passed)).toEqual([]);
        expect(report.passed).toBe(true);
      });
    }
  }

  it('is deterministic: the same intent gives the same content', async () => {
    for (const kind of KINDS_BUILT) {
      const intent = { kind, topic: 'volcano', persona: { grade: 5 } };
      expect(await generate(intent)).toEqual(await generate(intent));
    }
  });

  it('gives the same content whatever was asked before (no request-order dependence in its caches)', async () => {
    const fresh = new LibraryProvider('fresh', { type: 'library', cache_size: 4096 });
    await fresh.start();
    try {
      const ask = async (p: LibraryProvider, intent: ContentIntent) =>
        JSON.parse((await p.chat({ model: LIBRARY_MODEL, messages: [] }, { signal: new AbortController().signal, model: LIBRARY_MODEL, requestId: 't', intent })).body.choices[0].message.content ?? '');
      for (const kind of ['quiz', 'lesson', 'explanation']) {
        for (const topic of ['cell', 'insect', 'government']) {
          // the shared provider has answered other grades on these topics; the fresh one has not
          await generate({ kind, topic, persona: { grade: 8 } });
          await generate({ kind, topic, persona: { grade: 'adult' } });
          expect(await generate({ kind, topic, persona: { grade: 4 } })).toEqual(await ask(fresh, { kind, topic, persona: { grade: 4 } }));
        }
      }
    } finally {
      await fresh.close();
    }
  });

  it('builds a quiz whose multiple-choice keys are the concepts WordNet relates to the topic', async () => {
    const quiz = (await generate({ kind: 'quiz', topic: 'volcano', persona: { grade: 5 }, options: { count: 8 } })) as { questions: Array<Record<string, unknown>> };
    const kindOf = quiz.questions.find((q) => q.question === 'A volcano is a kind of what?') as { options: string[]; correct_index: number };
    expect(kindOf.options[kindOf.correct_index]).toBe('mountain');
    const part = quiz.questions.find((q) => q.question === 'Which of these is a part of a volcano?') as { options: string[]; correct_index: number };
    expect(part.options[part.correct_index]).toBe('volcanic crater');
  });

  it('honours options.count within bounds, and gives younger learners fewer items', async () => {
    const count = async (kind: Kind, topic: string, persona: Persona, options?: Record<string, unknown>) => {
      const c = (await generate({ kind, topic, persona, options })) as Record<string, unknown[]>;
      return (kind === 'quiz' ? c.questions : kind === 'flashcards' ? c.cards : c.concepts).length;
    };
    expect(await count('quiz', 'dog', { grade: 'adult' }, { count: 3 })).toBe(3);
    expect(await count('flashcards', 'dog', { grade: 'adult' }, { count: 12 })).toBe(12);
    expect(await count('flashcards', 'dog', { grade: 'adult' }, { count: 1000 })).toBeLessThanOrEqual(30);
    expect(await count('knowledge_graph', 'dog', { grade: 'adult' }, { count: 4 })).toBe(4);
    expect(await count('quiz', 'dog', { grade: 1 })).toBeLessThan(await count('quiz', 'dog', { grade: 'adult' }));
    expect(await count('flashcards', 'dog', { grade: 1 })).toBeLessThan(await count('flashcards', 'dog', { grade: 10 }));
  });

  it('gives school learners shorter definitions than adults', async () => {
    const kid = (await generate({ kind: 'flashcards', topic: 'cell', persona: { grade: 6 } })) as { cards: Array<{ back: string }> };
    const adult = (await generate({ kind: 'flashcards', topic: 'cell', persona: { grade: 'adult' } })) as { cards: Array<{ back: string }> };
    expect(adult.cards[0].back).toContain('(biology)');
    expect(kid.cards[0].back).not.toContain('(');
    expect(kid.cards[0].back.length).toBeLessThan(adult.cards[0].back.length);
  });

  it('answers not_found for a topic WordNet lacks, a kind it cannot write, and a request without a topic', async () => {
    const unknown = await failure(generate({ kind: 'quiz', topic: 'zorblaxian hyperwidgets' }));
    expect(unknown).toMatchObject({ kind: 'not_found', details: { code: 'topic_not_found', provider: 'library' } });
    const story = await failure(generate({ kind: 'story', topic: 'volcano' }));
    expect(story).toMatchObject({ kind: 'not_found', details: { code: 'kind_not_supported' } });
    expect(story.message).toMatch(/cannot write "story"/);
    const textOnly = await failure(generate({ kind: 'quiz', text: 'Volcanoes erupt lava.' }));
    expect(textOnly).toMatchObject({ kind: 'not_found', details: { code: 'topic_required' } });
  });

  it('answers not_found when WordNet knows too little about a topic for a quiz', async () => {
    // an adjective has no taxonomy to draw questions or distractors from
    for (const kind of ['quiz', 'knowledge_graph']) {
      const err = await failure(generate({ kind, topic: 'happy' }));
      expect(err).toMatchObject({ kind: 'not_found', details: { code: 'topic_too_thin' } });
    }
  });

  it('refuses a model other than its own', async () => {
    const err = await failure(lib.chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'volcano' }] }, { signal: new AbortController().signal, model: 'gpt-4o', requestId: 't' }));
    expect(err).toMatchObject({ kind: 'model_not_found' });
  });
});
