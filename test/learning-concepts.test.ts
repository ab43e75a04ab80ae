/** How quiz questions are tagged with concepts, and how answers are compared. */
import { describe, expect, it } from 'vitest';
import { conceptsOf } from '../src/learning/concepts.js';
import { personaFor } from '../src/learning/make-lesson.js';
import { answerForm, questionHash } from '../src/learning/text.js';

const terms = ['volcano', 'mountain', 'volcanic crater', 'crater'];

describe('concept tags', () => {
  it('tags a question with the key term its right answer names', () => {
    expect(conceptsOf({ type: 'multiple_choice', question: 'A volcano is a kind of what?', options: ['hill', 'mountain', 'ridge'], correct_index: 1, explanation: 'x' }, terms, 'volcano')).toEqual(['mountain']);
  });

  it('takes a longer term whole, not the shorter term inside it', () => {
    expect(conceptsOf({ type: 'short_answer', question: 'Name one part of a volcano.', accepted_answers: ['volcanic crater', 'crater'], rubric: '', explanation: 'x' }, terms, 'volcano')).toEqual(['volcanic crater']);
  });

  it('falls back to the terms in the question, then to the topic', () => {
    expect(conceptsOf({ type: 'multiple_choice', question: 'Which is found on a Mountain?', options: ['snow', 'sand', 'salt'], correct_index: 0, explanation: 'x' }, terms, 'volcano')).toEqual(['mountain']);
    expect(conceptsOf({ type: 'multiple_choice', question: 'Pick one.', options: ['snow', 'sand', 'salt'], correct_index: 0, explanation: 'x' }, terms, 'Volcanoes ')).toEqual(['volcanoes']);
  });
});

describe('answers and questions', () => {
  it('compares short answers without case, accents, punctuation, a leading article or a plural s', () => {
    expect(answerForm('  The Volcanic Craters! ')).toBe(answerForm('volcanic crater'));
    expect(answerForm('Éruption')).toBe(answerForm('eruption'));
    expect(answerForm('glass')).toBe('glass');
    expect(answerForm('mountain')).not.toBe(answerForm('fountain'));
  });

  it('hashes a question by its normalized text', () => {
    expect(questionHash('What is a volcano?')).toBe(questionHash('what is a  VOLCANO'));
    expect(questionHash('What is a volcano?')).not.toBe(questionHash('What is a mountain?'));
  });

  it('sets a difficulty from mastery only when the learner has not chosen one', () => {
    expect(personaFor({ grade: 5 }, 0.2).difficulty).toBe('beginner');
    expect(personaFor({ grade: 5 }, 0.6).difficulty).toBe('intermediate');
    expect(personaFor({ grade: 5 }, 0.9).difficulty).toBe('advanced');
    expect(personaFor({ grade: 5, difficulty: 'advanced' }, 0.1).difficulty).toBe('advanced');
    expect(personaFor({ grade: 5 }, undefined)).toEqual({ grade: 5 });
  });
});
