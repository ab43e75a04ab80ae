/** A schema-valid, check-passing sample of every content kind, written at about a grade-5 level. */
import type { ContentOf, Kind } from '../src/content/index.js';

export const SAMPLES: { [K in Kind]: ContentOf<K> } = {
  lesson: {
    title: 'Volcanoes',
    objectives: ['Say what a volcano is.', 'Tell how a volcano erupts.'],
    sections: [
      { heading: 'What is a volcano?', body: 'A volcano is an opening in the ground. Hot melted rock comes up through it from deep below.' },
      { heading: 'How it erupts', body: 'Gas pushes the melted rock up. When it gets out, we call it lava. The lava cools and turns into new rock.' },
    ],
    key_terms: [
      { term: 'magma', definition: 'Melted rock under the ground.' },
      { term: 'lava', definition: 'Melted rock that has come out of the ground.' },
    ],
    check_for_understanding: ['What is the name for melted rock above the ground?', 'What pushes magma up?'],
  },
  quiz: {
    title: 'Volcano quiz',
    questions: [
      { type: 'multiple_choice', question: 'What is melted rock under the ground called?', options: ['Magma', 'Sand', 'Ice'], correct_index: 0, explanation: 'Melted rock under the ground is magma.' },
      { type: 'multiple_choice', question: 'What do we call magma once it comes out?', options: ['Steam', 'Lava', 'Mud'], correct_index: 1, explanation: 'Once magma comes out of the ground we call it lava.' },
      { type: 'short_answer', question: 'Name one thing that comes out of a volcano.', accepted_answers: ['lava', 'ash', 'gas'], rubric: 'Any material a volcano gives off.', explanation: 'Volcanoes give off lava, ash and gas.' },
    ],
  },
  feedback: {
    overall: 'You know the main parts of a volcano well.',
    what_was_right: ['You said lava is melted rock.'],
    what_to_review: [{ point: 'Magma and lava are not the same.', suggestion: 'Magma is under the ground; lava is above it.' }],
    encouragement: 'Great work! Keep asking questions.',
    next_steps: ['Read about the layers of the earth.'],
  },
  knowledge_graph: {
    concepts: [
      { id: 'volcano', label: 'Volcano', description: 'An opening where melted rock comes out.' },
      { id: 'magma', label: 'Magma', description: 'Melted rock under the ground.' },
      { id: 'lava', label: 'Lava', description: 'Melted rock above the ground.' },
    ],
    relations: [
      { from: 'magma', to: 'lava', type: 'prerequisite_of' },
      { from: 'lava', to: 'volcano', type: 'related_to' },
    ],
  },
  explanation: { title: 'Why volcanoes erupt', markdown: 'Deep under the ground it is very hot.\n\n- Rock melts into **magma**.\n- Gas pushes the magma up.\n\nWhen it comes out, it is called lava.' },
  summary: { title: 'Volcanoes in short', format: 'bullets', bullets: ['Magma is melted rock.', 'Gas pushes it up.', 'Out of the ground it is lava.'], text: '' },
  flashcards: {
    cards: [
      { front: 'Magma', back: 'Melted rock under the ground.' },
      { front: 'Lava', back: 'Melted rock above the ground.' },
      { front: 'Ash', back: 'Tiny bits of rock blown into the air.' },
    ],
  },
  outline: {
    title: 'Learning about volcanoes',
    sections: [
      { title: 'Inside the earth', summary: 'The layers of the earth and where it is hot.', objectives: ['Name the layers of the earth.'] },
      { title: 'Eruptions', summary: 'How magma comes up and out.', objectives: ['Tell how an eruption starts.'] },
      { title: 'Living near volcanoes', summary: 'How people stay safe.', objectives: ['List two safety rules.'] },
    ],
  },
  examples: {
    title: 'Worked examples',
    examples: [{ title: 'How far does lava go?', problem: 'Lava moves 2 meters each minute. How far does it go in 5 minutes?', steps: ['It moves 2 meters each minute.', 'Five minutes is 5 times 2.'], answer: '10 meters' }],
  },
  exercises: {
    title: 'Practice',
    exercises: [
      { prompt: 'Draw a volcano and label the magma and the lava.', hints: ['Magma is under the ground.'], solution: 'The magma is inside, below the ground. The lava is outside, on the slopes.' },
      { prompt: 'Write one way people stay safe near a volcano.', hints: [], solution: 'They leave the area when scientists warn them.' },
    ],
  },
  story: {
    title: 'Pip and the Sleepy Mountain',
    blueprint: { theme: 'courage', setting: 'a small town by a mountain', moral: 'Listen to those who know.', plot: ['Pip hears the mountain rumble.', 'Pip tells the town.', 'Everyone is safe.'] },
    characters: [{ name: 'Pip', description: 'A curious little goat.' }],
    chapters: [
      { title: 'The rumble', text: 'One day Pip heard a deep rumble. The mountain was waking up.' },
      { title: 'The warning', text: 'Pip ran to town and told everyone. They all walked to a safe place.' },
    ],
  },
};
