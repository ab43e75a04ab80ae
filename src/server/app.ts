/** The Fastify app: composes the route groups over a Runtime. */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import { PolymathError } from '../errors.js';
import { clientErrorHandler, errorHandler, notFoundHandler, sendError } from './errors.js';
import { adminRoutes } from './routes/admin.js';
import { chatRoutes } from './routes/chat.js';
import { embeddingRoutes } from './routes/embeddings.js';
import { contentRoutes } from './routes/content.js';
import { modelRoutes } from './routes/models.js';
import { metricsRoutes } from './routes/metrics.js';
import { usePipeline } from './pipeline.js';
import { requestStages } from './stages.js';
import { keyRoutes } from './routes/keys.js';
import { usageRoutes } from './routes/usage.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function buildApp(rt: Runtime): FastifyInstance {
  const app = Fastify({
    loggerInstance: rt.logger as FastifyBaseLogger,
    // One line per request is written by the meter, with provider, model and timings.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request (~10 µs each): the few lines logged for a request name its id.
    childLoggerFactory: (logger) => logger,
    bodyLimit: rt.config.server.body_limit_bytes,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    clientErrorHandler,
    frameworkErrors: (err, request, reply) => {
      sendError(reply, new PolymathError('invalid_request', `Bad request: ${err.message}`, { code: 'bad_url' }));
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
  });

  let inFlight = 0;
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    if (inFlight >= rt.config.server.max_in_flight) {
      done(new PolymathError('queue_full', 'The server is at its limit of requests in flight; retry shortly.', { retryAfter: 1 }));
      return;
    }
    inFlight++;
    reply.raw.once('close', () => inFlight--);
    done();
  });

  usePipeline(app, rt, requestStages(rt));

  // The API takes JSON only: a text/plain body is a 415, not a string to validate.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  chatRoutes(app, rt);
  embeddingRoutes(app, rt);
  modelRoutes(app, rt);
  adminRoutes(app, rt);
  contentRoutes(app, rt);
  metricsRoutes(app, rt);
  keyRoutes(app, rt);
  usageRoutes(app, rt);
  return app;
}
