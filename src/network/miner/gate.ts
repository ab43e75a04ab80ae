/**
 * Who may call the miner: every request but GET /health carries Epistula v2 headers signed for
 * this miner's hotkey over the exact body bytes, by a hotkey registered in the metagraph with
 * enough stake (and a validator permit when required). Refusals are 401 (the signature) or 403
 * (the caller), in OpenAI's error JSON with the reason as `code`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PolymathError } from '../../errors.js';
import { ReplayCache, verifyHeaders } from '../epistula.js';
import type { Metagraph } from '../metagraph/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** the verified caller's ss58, once its Epistula signature holds */
    caller?: string;
    /** the verified request's Epistula-Uuid, which the signed answer repeats */
    callerUuid?: string;
  }
}

export interface GatePolicy {
  self: string;
  metagraph: Metagraph;
  minStake: number;
  requirePermit: boolean;
}

const EMPTY = new Uint8Array(0);

export function installGate(app: FastifyInstance, policy: GatePolicy): void {
  const replay = new ReplayCache();
  const check = (request: FastifyRequest, raw: Uint8Array) => {
    const v = verifyHeaders(request.headers, raw, { self: policy.self, replay });
    if (!v.ok) {
      if (v.reason === 'replay_cache_full') throw new PolymathError('queue_full', v.message, { code: v.reason, retryAfter: 1 });
      throw new PolymathError('unauthorized', `Epistula: ${v.message}`, { code: v.reason });
    }
    request.caller = v.signedBy;
    request.callerUuid = v.uuid;
    const neuron = policy.metagraph.byHotkey(v.signedBy);
    if (!neuron) throw new PolymathError('forbidden', `${v.signedBy} is not registered on this subnet.`, { code: 'caller_not_registered' });
    if (neuron.stake < policy.minStake) {
      throw new PolymathError('forbidden', `${v.signedBy} has ${neuron.stake} TAO staked; this miner serves callers with at least ${policy.minStake}.`, { code: 'insufficient_stake' });
    }
    if (policy.requirePermit && !neuron.validator_permit) throw new PolymathError('forbidden', `${v.signedBy} has no validator permit.`, { code: 'no_validator_permit' });
  };

  // The signature covers the raw bytes, so the body is verified before it is parsed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    try {
      check(request, raw);
    } catch (err) {
      done(err as PolymathError, undefined);
      return;
    }
    try {
      done(null, raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8')));
    } catch (err) {
      done(new PolymathError('invalid_request', `The request body is not valid JSON: ${(err as Error).message}`, { code: 'invalid_json' }), undefined);
    }
  });

  // Requests without a JSON body (POST /availability may have none) are verified over no bytes.
  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.config && (request.routeOptions.config as { open?: boolean }).open) return;
    if (request.caller === undefined) check(request, EMPTY);
  });
}
