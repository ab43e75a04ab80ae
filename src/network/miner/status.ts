/** The miner's `POST /availability` (SN1's shape, extended for Polymath routing) and `GET /health`. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { MinerConfig } from '../../config/network.js';
import { KIND_NAMES } from '../../content/index.js';
import { VERSION } from '../../version.js';
import type { Metagraph } from '../metagraph/index.js';
import type { GeneratorChain } from './chain.js';

export interface MinerStatus {
  hotkey: string;
  netuid: number;
  miner: MinerConfig;
  chain: GeneratorChain;
  metagraph: Metagraph;
  inFlight(): number;
}

const availabilityQuery = z
  .object({
    task_availabilities: z.record(z.string(), z.boolean()).optional(),
    llm_model_availabilities: z.record(z.string(), z.boolean()).optional(),
  })
  .loose()
  .optional();

export function statusRoutes(app: FastifyInstance, s: MinerStatus): void {
  app.post('/availability', async (request, reply) => {
    const q = availabilityQuery.safeParse(request.body ?? undefined);
    const asked = q.success ? q.data : undefined;
    const tasks = new Set(s.miner.tasks);
    const models = s.chain.models();
    const has = new Set(models);
    const answer = {
      task_availabilities: asked?.task_availabilities ? mapKeys(asked.task_availabilities, (t) => tasks.has(t)) : Object.fromEntries(s.miner.tasks.map((t) => [t, true])),
      llm_model_availabilities: asked?.llm_model_availabilities ? mapKeys(asked.llm_model_availabilities, (m) => has.has(m)) : Object.fromEntries(models.map((m) => [m, true])),
      generation_mode: s.chain.activeMode,
      kinds: s.miner.kinds ?? [...KIND_NAMES],
      subjects: s.miner.subjects,
      languages: s.miner.languages,
      models,
      in_flight: s.inFlight(),
      version: VERSION,
      hotkey: s.hotkey,
    };
    return reply.header('content-type', 'application/json').send(JSON.stringify(answer));
  });

  app.get('/health', { config: { open: true } }, async (_request, reply) => {
    const chain = s.chain.state();
    const healthy = chain.generators.some((g) => g.healthy) && s.metagraph.ageMs() !== null;
    const body = {
      status: healthy ? 'ok' : 'degraded',
      hotkey: s.hotkey,
      netuid: s.netuid,
      version: VERSION,
      in_flight: s.inFlight(),
      chain,
      metagraph: { source: s.metagraph.source.kind, neurons: s.metagraph.neurons().length, age_ms: s.metagraph.ageMs(), last_error: s.metagraph.lastError },
    };
    return reply.code(healthy ? 200 : 503).header('content-type', 'application/json').send(JSON.stringify(body));
  });
}

function mapKeys(asked: Record<string, boolean>, has: (key: string) => boolean): Record<string, boolean> {
  return Object.fromEntries(Object.keys(asked).slice(0, 256).map((k) => [k, has(k)]));
}
