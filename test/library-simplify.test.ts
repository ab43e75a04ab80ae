import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordnetDir } from '../src/providers/library.js';
import { plainGloss } from '../src/providers/library/simplify.js';
import { WordNet } from '../src/providers/library/wordnet.js';

let wn: WordNet;
const isVerb = (word: string) => wn.findLemma(word, 'v') !== undefined;
beforeAll(async () => {
  wn = new WordNet(wordnetDir());
  await wn.open();
});
afterAll(() => wn?.close());

describe('plain glosses for school learners', () => {
  it('splits a relative clause off as a sentence whose subject agrees with its verb', () => {
    expect(plainGloss('single-celled or noncellular spherical or spiral or rod-shaped organisms lacking chlorophyll that reproduce by fission', isVerb)).toMatchObject({
      head: 'single-celled or noncellular spherical or spiral or rod-shaped organisms',
      more: ['They lack chlorophyll.', 'They reproduce by fission.'],
    });
    expect(plainGloss('the branch of the United States government that is responsible for carrying out the laws', isVerb).more).toEqual(['It is responsible for carrying out the laws.']);
  });

  it('speaks of a person as "this person", and of a plural word before "who" as "they"', () => {
    expect(plainGloss('the chief public representative of a country who may also be the head of government', isVerb).more).toEqual(['This person may also be the head of government.']);
    expect(plainGloss('any of the Scandinavian people who raided the coasts of Europe from the 8th to the 11th centuries', isVerb).more).toEqual(['They raided the coasts of Europe from the 8th to the 11th centuries.']);
    expect(plainGloss('a political system in which the supreme power lies in a body of citizens who can elect people to represent them', isVerb)).toMatchObject({
      head: 'a political system',
      more: ['In it, the supreme power lies in a body of citizens.', 'They can elect people to represent them.'],
    });
  });

  it('turns participles and "including" into sentences, and drops parentheses, later clauses and taxonomy', () => {
    expect(plainGloss('a physical phenomenon associated with stationary or moving electrons and protons', isVerb).more).toEqual(['It is associated with stationary or moving electrons and protons.']);
    expect(plainGloss('any cold-blooded vertebrate of the class Reptilia including tortoises, turtles, snakes, lizards, alligators, crocodiles, and extinct forms', isVerb)).toMatchObject({
      head: 'any cold-blooded vertebrate',
      more: ['For example, tortoises, turtles, snakes, lizards, alligators, crocodiles, and extinct forms.'],
    });
    expect(plainGloss('(biology) the basic structural and functional unit of all organisms; they may exist as independent units', isVerb)).toEqual({
      head: 'the basic structural and functional unit of all organisms',
      more: [],
      whole: 'the basic structural and functional unit of all organisms',
    });
  });

  it('keeps a list that a colon opens and semicolons separate', () => {
    expect(plainGloss('extinct reptiles including: dinosaurs; plesiosaurs; pterosaurs; ichthyosaurs; thecodonts', isVerb).whole).toBe('extinct reptiles including: dinosaurs, plesiosaurs, pterosaurs, ichthyosaurs, thecodonts');
    expect(plainGloss('any of several large extinct animals including: mammoths; mastodons', isVerb)).toMatchObject({
      head: 'any of several large extinct animals',
      more: ['For example, mammoths, mastodons.'],
    });
  });

  it('starts a sentence at a second relative clause joined by "and"', () => {
    expect(plainGloss('the remains of a plant or animal that existed in a past geological age and that has been excavated from the soil', isVerb).more).toEqual([
      'It existed in a past geological age.',
      'It has been excavated from the soil.',
    ]);
  });

  it('keeps a gloss whole where a split would change its meaning', () => {
    expect(plainGloss('a large building formerly occupied by a ruler and fortified against attack', isVerb).more).toEqual([]);
    // "that" before a noun is not a relative pronoun; a head needs three words; "or moving" is an adjective
    expect(plainGloss('food that animals eat in winter', isVerb).more).toEqual([]);
    expect(plainGloss('an animal that feeds on refuse and other decaying organic matter', isVerb).more).toEqual([]);
    expect(plainGloss('the political orientation of those who favor government by the people', isVerb).more).toEqual([]);
    expect(plainGloss('the first stage of photosynthesis during which energy from light is used for the production of ATP', isVerb).more).toEqual(['During it, energy from light is used for the production of ATP.']);
  });
});
