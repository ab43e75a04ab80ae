/** Per-request helpers shared by the routes: the client's abort signal and the outcome headers. */
import type { FastifyReply } from 'fastify';
import { Abort } from '../abort.js';
import { PolymathError } from '../errors.js';
import type { Outcome } from '../routing/index.js';

/** An AbortSignal that fires when the client goes away before the response is finished. */
export function clientSignal(reply: FastifyReply): AbortSignal {
  const controller = new Abort(); // cheap to listen to for the calls made on the request's behalf
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new PolymathError('client_closed', 'the client closed the request'));
  });
  return controller.signal;
}

export function outcomeHeaders(out: Outcome<unknown>, route: string | undefined): Record<string, string> {
  return {
    'x-polymath-provider': out.target.provider.id,
    'x-polymath-model': out.target.model,
    'x-polymath-attempts': String(out.attempts),
    ...(route ? { 'x-polymath-route': route } : {}),
  };
}
