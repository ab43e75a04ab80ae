/**
 * `polymath miner`: serves a subnet's validators over OpenAI's API, each request verified with
 * Epistula and each answer signed by the miner's hotkey, generating through a route of the
 * gateway's own runtime (the generator chain).
 *
 *   POST /v1/chat/completions   JSON or SSE, through the chain
 *   POST /v1/content/{kind}     the content engine, through the chain
 *   POST /availability          what this miner serves (SN1's shape, extended)
 *   GET  /health                the chain, the hotkey, the metagraph's age (unsigned, open)
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import { PolymathError } from '../../errors.js';
import { createRuntime, type Runtime } from '../../runtime.js';
import { clientErrorHandler, errorHandler, notFoundHandler, sendError } from '../../server/errors.js';
import { chatRoutes } from '../../server/routes/chat.js';
import { contentRoutes } from '../../server/routes/content.js';
import { createMetagraphSource, Metagraph } from '../metagraph/index.js';
import { loadHotkey, type Hotkey } from '../wallet/index.js';
import { GeneratorChain } from './chain.js';
import { installGate } from './gate.js';
import { chatStreamTap, contentStreamTap, installAnswerSigning } from './signing.js';
import { statusRoutes } from './status.js';
import { withStoryfiChain } from './storyfi.js';

export interface RunningMiner {
  /** http://host:port */
  url: string;
  hotkey: string;
  runtime: Runtime;
  chain: GeneratorChain;
  metagraph: Metagraph;
  close(): Promise<void>;
}

export class MinerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MinerConfigError';
  }
}

export async function startMiner(given: Config, logger: Logger): Promise<RunningMiner> {
  if (!given.network) throw new MinerConfigError('the miner needs a `network:` section (netuid, wallet, metagraph)');
  if (!given.miner) throw new MinerConfigError('the miner needs a `miner:` section');
  let config = given;
  if (given.miner.generator_config) {
    try {
      config = withStoryfiChain(given, given.miner.generator_config);
    } catch (err) {
      throw new MinerConfigError(`miner.generator_config: ${(err as Error).message}`);
    }
  }
  const { network, miner } = config as Config & { network: NonNullable<Config['network']>; miner: NonNullable<Config['miner']> };
  if (!config.routes[miner.route]) throw new MinerConfigError(`miner.route: no route "${miner.route}" in routes (the generator chain is a route of polymath.yaml)`);

  const hotkey: Hotkey = await loadHotkey(network.wallet);
  const metagraph = new Metagraph(createMetagraphSource(network.metagraph), {
    netuid: network.netuid,
    refreshMs: network.metagraph.refresh_ms,
    timeoutMs: network.metagraph.timeout_ms,
    logger,
  });
  await metagraph.start();
  if (!metagraph.byHotkey(hotkey.ss58)) logger.warn({ hotkey: hotkey.ss58, netuid: network.netuid }, "this miner's hotkey is not registered on the subnet: validators will not find its axon");
  let rt: Runtime | undefined;
  try {
    rt = await createRuntime(config, logger);
    const chain = new GeneratorChain(rt, miner.route, logger);
    await chain.warmUp();
    chain.watch(miner.health_interval_ms);
    const running = await listen(rt, chain, metagraph, hotkey, config);
    logger.info({ url: running.url, hotkey: hotkey.ss58, netuid: network.netuid, route: miner.route, chain: chain.state().generators.map((g) => `${g.provider}:${g.mode}:${g.healthy ? 'up' : 'down'}`) }, `polymath miner listening on ${running.url}`);
    return running;
  } catch (err) {
    metagraph.stop();
    await rt?.close();
    throw err;
  }
}

async function listen(rt: Runtime, chain: GeneratorChain, metagraph: Metagraph, hotkey: Hotkey, config: Config): Promise<RunningMiner> {
  const miner = config.miner!;
  const app = Fastify({
    loggerInstance: rt.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (l) => l,
    bodyLimit: miner.body_limit_bytes,
    genReqId: () => randomUUID(),
    clientErrorHandler,
    frameworkErrors: (err, _request, reply) => {
      sendError(reply, new PolymathError('invalid_request', `Bad request: ${err.message}`, { code: 'bad_url' }));
    },
  });
  let inFlight = 0;
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    if (inFlight >= miner.max_in_flight) {
      done(new PolymathError('queue_full', 'The miner is at its limit of requests in flight; retry shortly.', { retryAfter: 1 }));
      return;
    }
    inFlight++;
    reply.raw.once('close', () => inFlight--);
    done();
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  installGate(app, { self: hotkey.ss58, metagraph, minStake: miner.min_caller_stake, requirePermit: miner.require_validator_permit });
  installAnswerSigning(app, hotkey);
  chatRoutes(app, rt, { model: miner.route, onOutcome: (_r, out) => chain.served(out.target.provider.id), tapStream: chatStreamTap(hotkey) });
  contentRoutes(app, rt, { model: miner.route, onResult: (_r, result) => chain.served(result.provider), tapStream: contentStreamTap(hotkey) });
  statusRoutes(app, { hotkey: hotkey.ss58, netuid: config.network!.netuid, miner, chain, metagraph, inFlight: () => inFlight });

  await app.listen({ host: miner.host, port: miner.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : miner.port;
  const host = miner.host === '0.0.0.0' ? '127.0.0.1' : miner.host.includes(':') ? `[${miner.host}]` : miner.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    hotkey: hotkey.ss58,
    runtime: rt,
    chain,
    metagraph,
    close: () =>
      (closing ??= (async () => {
        chain.stop();
        metagraph.stop();
        const force = setTimeout(() => app.server.closeAllConnections(), config.server.shutdown_grace_ms);
        try {
          await app.close();
        } finally {
          clearTimeout(force);
        }
        await rt.close();
      })()),
  };
}
