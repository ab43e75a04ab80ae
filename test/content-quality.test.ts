import { describe, expect, it } from 'vitest';
import { checkContent, type Check, type ContentOf } from '../src/content/index.js';
import { readingGrade } from '../src/content/quality/index.js';
import { SAMPLES } from './content-fixtures.js';

const find = (checks: Check[], name: string) => {
  const c = checks.find((x) => x.name === name);
  if (!c) throw new Error(`no check ${name} in ${checks.map((x) => x.name).join(', ')}`);
  return c;
};

type MC = Extract<ContentOf<'quiz'>['questions'][number], { type: 'multiple_choice' }>;
const mc = (over: Partial<MC>): MC => ({ type: 'multiple_choice', question: 'Which is a rock?', options: ['Basalt', 'Seawater', 'Air'], correct_index: 0, explanation: 'Basalt is a rock.', ...over });
const quiz = (...questions: MC[]): ContentOf<'quiz'> => ({ title: 'Rocks', questions });

describe('quiz checks', () => {
  it('passes a sound quiz', () => {
    const report = checkContent('quiz', SAMPLES.quiz);
    expect(report.passed).toBe(true);
    expect(report.checks.every((c) => c.passed)).toBe(true);
  });

  it.each([
    ['one_correct_option', mc({ options: ['Basalt', 'basalt.', 'Air'] }), 'appears 2 times'],
    ['key_among_options', mc({ correct_index: 3 }), 'correct_index 3 is not among its 3 options'],
    ['at_least_three_options', mc({ options: ['Basalt', 'Water'] }), 'question 1 has 2 options'],
    ['no_duplicate_options', mc({ options: ['Basalt', 'Water', 'water'] }), 'option 3 repeats'],
    ['no_all_or_none_of_the_above', mc({ options: ['Basalt', 'Water', 'None of the above'] }), 'None of the above'],
    ['no_all_or_none_of_the_above', mc({ options: ['Basalt', 'All of the above', 'Air'] }), 'All of the above'],
    ['explanation_per_question', mc({ explanation: '   ' }), 'question 1 has no explanation'],
  ])('fails %s on crafted bad content', (name, question, detail) => {
    const report = checkContent('quiz', quiz(question));
    expect(report.passed).toBe(false);
    const c = find(report.checks, name);
    expect(c).toMatchObject({ passed: false, severity: 'error' });
    expect(c.detail).toContain(detail);
  });

  it('fails a short-answer question with neither accepted answers nor a rubric', () => {
    const report = checkContent('quiz', { title: 't', questions: [{ type: 'short_answer', question: 'Why?', accepted_answers: [], rubric: ' ', explanation: 'Because.' }] });
    expect(find(report.checks, 'short_answer_gradable').passed).toBe(false);
  });

  it('warns, without failing, when the correct option is the longest in most questions', () => {
    const long = mc({ options: ['Basalt, a dark volcanic rock', 'Water', 'Air'] });
    const report = checkContent('quiz', quiz(long, long, mc({})));
    const c = find(report.checks, 'correct_option_not_longest');
    expect(c).toMatchObject({ passed: false, severity: 'warning' });
    expect(c.detail).toContain('2 of 3');
    expect(report.passed).toBe(true);
    expect(find(checkContent('quiz', quiz(long, mc({}), mc({}))).checks, 'correct_option_not_longest').passed).toBe(true);
  });
});

describe('knowledge graph checks', () => {
  const concepts = SAMPLES.knowledge_graph.concepts;
  it.each([
    ['edges_join_existing_concepts', { concepts, relations: [{ from: 'magma', to: 'plate', type: 'part_of' as const }] }, 'unknown concept "plate"'],
    ['no_self_loops', { concepts, relations: [{ from: 'lava', to: 'lava', type: 'related_to' as const }] }, 'joins "lava" to itself'],
    ['no_duplicate_edges', { concepts, relations: [{ from: 'magma', to: 'lava', type: 'prerequisite_of' as const }, { from: 'magma', to: 'lava', type: 'prerequisite_of' as const }] }, 'relation 2 repeats'],
    ['unique_concept_ids', { concepts: [...concepts, { id: 'lava', label: 'Lava again', description: 'x' }], relations: [] }, 'repeats the id "lava"'],
  ])('fails %s', (name, graph, detail) => {
    const report = checkContent('knowledge_graph', graph);
    expect(report.passed).toBe(false);
    expect(find(report.checks, name).detail).toContain(detail);
  });

  it('allows the same pair joined by two different relation types', () => {
    const report = checkContent('knowledge_graph', { concepts, relations: [{ from: 'magma', to: 'lava', type: 'prerequisite_of' }, { from: 'magma', to: 'lava', type: 'related_to' }] });
    expect(report.passed).toBe(true);
  });
});

describe('list item checks', () => {
  it('fails flashcards with an empty back or a repeated front', () => {
    const report = checkContent('flashcards', { cards: [{ front: 'Lava', back: ' ' }, { front: 'Magma', back: 'x' }, { front: 'lava', back: 'y' }] });
    expect(find(report.checks, 'no_empty_items').detail).toBe('card 1 has an empty back');
    expect(find(report.checks, 'no_duplicate_items').detail).toBe('card 3 repeats an earlier card');
  });

  it('fails an outline with repeated section titles', () => {
    const s = SAMPLES.outline.sections[0];
    const report = checkContent('outline', { title: 'o', sections: [s, { ...s, title: 'Inside the Earth' }] });
    expect(report.passed).toBe(false);
    expect(find(report.checks, 'no_duplicate_items').passed).toBe(false);
  });

  it('fails exercises without a solution', () => {
    const report = checkContent('exercises', { title: 'e', exercises: [{ prompt: 'Add 2 and 2.', hints: [], solution: '  ' }] });
    expect(find(report.checks, 'solutions_present')).toMatchObject({ passed: false, detail: 'exercise 1 has no solution' });
  });

  it('passes the samples of every list kind', () => {
    for (const kind of ['flashcards', 'outline', 'exercises'] as const) expect(checkContent(kind, SAMPLES[kind] as never).passed).toBe(true);
  });
});

describe('reading level', () => {
  const hard = {
    title: 'Volcanism',
    markdown:
      'Volcanic eruptions constitute the manifestation of geophysical processes whereby subterranean magmatic accumulations, characterized by considerable volatile concentrations, experience decompression-induced exsolution, consequently generating overpressurization sufficient to fracture overlying lithospheric formations. Subsequently, pyroclastic materials and effusive lavas are expelled, significantly transforming surrounding topographical configurations.',
  };

  it('fails text far above a K-12 learner’s grade, naming the grade', () => {
    const report = checkContent('explanation', hard, { grade: 4 });
    const c = find(report.checks, 'reading_level');
    expect(c).toMatchObject({ passed: false, severity: 'error' });
    expect(c.detail).toMatch(/reads at grade \d+/);
    expect(report.passed).toBe(false);
  });

  it('does not judge the reading level of an adult, and measures the hard text above grade 14', () => {
    expect(checkContent('explanation', hard, { grade: 'adult' }).checks).toHaveLength(0);
    expect(readingGrade([hard.markdown]).grade).toBeGreaterThan(14);
  });

  it('passes grade-appropriate text, and reads the grade from age when no grade is given', () => {
    const lesson = SAMPLES.lesson;
    expect(find(checkContent('lesson', lesson, { grade: 4 }).checks, 'reading_level').passed).toBe(true);
    expect(find(checkContent('explanation', hard, { age: 9 }).checks, 'reading_level').passed).toBe(false);
  });

  it('only warns when the text is far below the grade', () => {
    const report = checkContent('lesson', SAMPLES.lesson, { grade: 12 });
    expect(find(report.checks, 'reading_level')).toMatchObject({ passed: false, severity: 'warning' });
    expect(report.passed).toBe(true);
  });

  it('is not judged for non-English content', () => {
    expect(checkContent('explanation', hard, { grade: 4, language: 'es' }).checks.find((c) => c.name === 'reading_level')).toBeUndefined();
  });
});
