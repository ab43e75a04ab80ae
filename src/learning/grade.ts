/**
 * Grading a short answer by its rubric with a model, for answers the accepted answers did not
 * match, when `learning.grading_model` names a route. The call goes through the gateway's path
 * (router and executor: retries, fallback, breakers, deadlines), never to a provider directly.
 * Any failure leaves the answer as the key scored it.
 */
import { extractJson } from '../content/extract.js';
import { toPolymathError } from '../errors.js';
import type { QuestionRecord } from '../store/learning/index.js';
import type { LearningDeps } from './deps.js';

const SYSTEM = [
  'You grade one short answer from a learner against the rubric.',
  'Accept an answer that means the same as an accepted answer or that the rubric allows, whatever its spelling mistakes or wording; reject anything else.',
  'Answer with one JSON object only, no prose: {"correct": true or false, "reason": "one short sentence"}.',
].join(' ');

export async function gradeByRubric(deps: LearningDeps, q: QuestionRecord, answer: string, requestId: string, signal: AbortSignal): Promise<boolean | undefined> {
  const cfg = deps.config();
  const route = cfg.grading_model;
  if (!route || !q.rubric) return undefined;
  const user = [
    `Question: ${q.question}`,
    `Accepted answers: ${(q.answer_key.accepted_answers ?? []).join('; ') || '(none listed)'}`,
    `Rubric: ${q.rubric}`,
    `Learner's answer: ${answer.slice(0, 1_000)}`,
  ].join('\n');
  try {
    const plan = deps.gateway.router.resolve(route);
    const out = await deps.gateway.executor.chat(
      plan,
      { model: route, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: user }], temperature: 0, max_tokens: 200 },
      { signal: AbortSignal.any([signal, AbortSignal.timeout(cfg.grading_timeout_ms)]), requestId },
    );
    const content = out.value.body.choices?.[0]?.message?.content;
    const parsed = extractJson(typeof content === 'string' ? content : '');
    const correct = parsed.ok ? (parsed.value as { correct?: unknown } | null)?.correct : undefined;
    return typeof correct === 'boolean' ? correct : undefined;
  } catch (err) {
    if (signal.aborted) throw err;
    deps.logger.warn({ reqId: requestId, err: toPolymathError(err).message }, 'short answer kept as scored by its key: the grading route failed');
    return undefined;
  }
}
