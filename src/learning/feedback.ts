/**
 * Feedback on a submission from the content engine's `feedback` kind. When no route can write it
 * (the offline library writes no feedback), or it fails, the learner still gets feedback of the
 * same shape composed from the scored answers: a submission never fails for want of prose.
 */
import { feedbackSchema, generateContent, type Feedback, type Persona } from '../content/index.js';
import { toPolymathError } from '../errors.js';
import type { QuestionRecord } from '../store/learning/index.js';
import type { LearningDeps } from './deps.js';
import type { QuestionResult } from './scoring.js';

export interface FeedbackOutcome {
  feedback: Feedback;
  /** "content": written by the content engine; "scores": composed from the scores */
  source: 'content' | 'scores';
}

export async function feedbackFor(
  deps: LearningDeps,
  persona: Persona,
  topic: string | null,
  questions: QuestionRecord[],
  answers: unknown[],
  results: QuestionResult[],
  requestId: string,
  signal: AbortSignal,
): Promise<FeedbackOutcome> {
  const cfg = deps.config();
  const text = questions
    .map((q, i) => `Question ${i + 1}: ${q.question}\nLearner's answer: ${shown(q, answers[i])}\nRight: ${results[i].correct ? 'yes' : 'no'}. The right answer: ${results[i].correct_answer}`)
    .join('\n\n');
  try {
    const out = await generateContent(deps.gateway, { kind: 'feedback', text, ...(topic ? { topic } : {}), persona, model: cfg.model, options: { timeout_ms: cfg.generation_timeout_ms } }, { signal, requestId });
    return { feedback: out.content, source: 'content' };
  } catch (err) {
    if (signal.aborted) throw err;
    deps.logger.info({ reqId: requestId, err: toPolymathError(err).message }, 'feedback composed from the scores: the content engine could not write it');
    return { feedback: composed(questions, results), source: 'scores' };
  }
}

function shown(q: QuestionRecord, answer: unknown): string {
  if (answer === null || answer === undefined) return '(no answer)';
  if (q.type === 'multiple_choice' && typeof answer === 'number') return q.options?.[answer] ?? `option ${answer}`;
  return String(answer);
}

function composed(questions: QuestionRecord[], results: QuestionResult[]): Feedback {
  const pairs = questions.map((q, i) => ({ q, r: results[i] }));
  const right = pairs.filter((p) => p.r.correct);
  const wrong = pairs.filter((p) => !p.r.correct);
  const share = pairs.length === 0 ? 0 : right.length / pairs.length;
  const review = [...new Set(wrong.flatMap((p) => p.q.concepts))];
  return feedbackSchema.parse({
    overall: `You answered ${right.length} of ${pairs.length} questions right (${Math.round(share * 100)}%).`,
    what_was_right: right.slice(0, 20).map((p) => `${p.q.question} → ${p.r.correct_answer}`),
    what_to_review: wrong.slice(0, 20).map((p) => ({ point: p.q.question, suggestion: `${p.r.correct_answer ? `The answer is "${p.r.correct_answer}". ` : ''}${p.q.explanation}` })),
    encouragement: share === 1 ? 'Excellent work: every answer was right.' : share >= 0.6 ? 'Good work: you know most of this already.' : 'Keep going: each answer you missed shows what to practise next.',
    next_steps: review.length > 0 ? review.slice(0, 10).map((c) => `Review "${c}": your next lesson focuses on it.`) : ['Move on to the next lesson.'],
  });
}
