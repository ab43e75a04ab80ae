/**
 * The learning API (JSON; OpenAI-style error JSON on every failure):
 *
 * POST  /v1/learners                       {id?, name?, persona, subjects?} → learner (201)
 * GET   /v1/learners/:id                   → learner
 * PATCH /v1/learners/:id                   {name?, persona?, subjects?} → learner
 * POST  /v1/learners/:id/lessons           {topic?, subject?} → lesson with its quiz, no answer key (201)
 * GET   /v1/learners/:id/lessons?status=   → {object: "list", data: [lesson]}
 * GET   /v1/learners/:id/lessons/:lesson   → lesson
 * POST  /v1/quizzes/:id/submissions        {answers, retake?} + Idempotency-Key → scored submission (201)
 * GET   /v1/learners/:id/progress          → mastery per concept, lessons completed, scores
 * POST  /v1/learners/:id/flashcards        {lesson_id | topic, count?} → {object: "list", data: [card]} (201)
 * GET   /v1/learners/:id/flashcards/due?now=ISO → due cards
 * POST  /v1/flashcards/:id/reviews         {rating: 1-4 | again|hard|good|easy, reviewed_at?} → {card, review} (201)
 *
 * Every POST is metered: the content calls it makes are records of the request (one per content
 * kind, provider and model, with the key and the learner as user), their cost is settled against
 * the key's budget and returned in `x-polymath-cost-usd`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toPolymathError } from '../../errors.js';
import {
  createFlashcards,
  createLearner,
  createLesson,
  dueCards,
  learnerView,
  lessonsOf,
  patchLearner,
  progressOf,
  requireLearner,
  reviewCard,
  showLesson,
  submitQuiz,
  type LearningDeps,
} from '../../learning/index.js';
import type { Runtime } from '../../runtime.js';
import { CallMeter } from '../../usage/call-meter.js';
import { statusOf } from '../errors.js';
import { costHeader } from '../pipeline.js';
import { clientSignal, meterOf } from '../request-context.js';

type Id = { Params: { id: string } };

const json = (reply: FastifyReply, status: number, body: unknown) => reply.code(status).header('content-type', 'application/json').send(JSON.stringify(body));

/** Answers a POST with what `work` returns, its content calls metered as the request's records. */
async function metered(rt: Runtime, request: FastifyRequest, reply: FastifyReply, status: number, work: (deps: LearningDeps, calls: CallMeter) => Promise<unknown>): Promise<FastifyReply> {
  const deps = rt.learning.deps;
  const calls = new CallMeter(deps.gateway, meterOf(rt, request, 'learners', false));
  try {
    const body = await work({ ...deps, gateway: calls.gateway }, calls);
    calls.end(status);
    return json(reply.headers(costHeader(calls.parent)), status, body);
  } catch (err) {
    const pe = toPolymathError(err);
    calls.end(pe.kind === 'client_closed' ? 499 : statusOf(pe), pe);
    throw pe;
  }
}

export function learningRoutes(app: FastifyInstance, rt: Runtime): void {
  const deps = () => rt.learning.deps;
  const signalOf = (reply: FastifyReply) => clientSignal(reply).signal;
  // The next-lesson worker runs in a serving process only.
  app.addHook('onReady', async () => rt.learning.start());

  app.post('/v1/learners', async (request, reply) =>
    metered(rt, request, reply, 201, async (d, calls) => {
      const learner = await createLearner(d, request.body);
      calls.parent.user ??= learner.id;
      return learnerView(learner);
    }),
  );
  app.get<Id>('/v1/learners/:id', async (request, reply) => json(reply, 200, learnerView(await requireLearner(deps(), request.params.id))));
  app.patch<Id>('/v1/learners/:id', async (request, reply) => json(reply, 200, learnerView(await patchLearner(deps(), request.params.id, request.body))));

  app.post<Id>('/v1/learners/:id/lessons', async (request, reply) => metered(rt, request, reply, 201, (d) => createLesson(d, request.params.id, request.body, signalOf(reply))));
  app.get<Id & { Querystring: { status?: string } }>('/v1/learners/:id/lessons', async (request, reply) => json(reply, 200, await lessonsOf(deps(), request.params.id, request.query.status)));
  app.get<{ Params: { id: string; lesson: string } }>('/v1/learners/:id/lessons/:lesson', async (request, reply) => json(reply, 200, await showLesson(deps(), request.params.id, request.params.lesson)));

  app.post<Id>('/v1/quizzes/:id/submissions', async (request, reply) =>
    metered(rt, request, reply, 201, async (d, calls) => {
      const key = request.headers['idempotency-key'];
      const apiKey = request.polymath?.key;
      const out = await submitQuiz(d, request.params.id, request.body, {
        idempotencyKey: Array.isArray(key) ? key[0] : key,
        requestId: request.id,
        signal: signalOf(reply),
        ...(apiKey ? { keyId: apiKey.id } : {}),
        // The body's `user` first, else the quiz's learner.
        onLearner: (learnerId) => void (calls.parent.user ??= learnerId),
        onJobQueued: (jobId) => rt.learning.jobs.notify(jobId),
      });
      if (out.replayed) reply.header('idempotent-replayed', 'true');
      return out.body;
    }),
  );

  app.get<Id>('/v1/learners/:id/progress', async (request, reply) => json(reply, 200, await progressOf(deps(), request.params.id)));

  app.post<Id>('/v1/learners/:id/flashcards', async (request, reply) => metered(rt, request, reply, 201, (d) => createFlashcards(d, request.params.id, request.body, request.id, signalOf(reply))));
  app.get<Id & { Querystring: { now?: string } }>('/v1/learners/:id/flashcards/due', async (request, reply) => json(reply, 200, await dueCards(deps(), request.params.id, request.query.now)));
  app.post<Id>('/v1/flashcards/:id/reviews', async (request, reply) => metered(rt, request, reply, 201, (d) => reviewCard(d, request.params.id, request.body)));
}
