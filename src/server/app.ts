/** The Fastify app: composes the route groups over a Runtime. */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime.js';
import { PolymathError } from '../errors.js';
import { useJsonBodyParser } from './json-body.js';
import { newRequestId } from './request-id.js';
import { answerNodeEdgeCases, clientErrorHandler, errorHandler, notFoundHandler, sendError } from './errors.js';
import { adminRoutes } from './routes/admin.js';
import { chatRoutes } from './routes/chat.js';
import { embeddingRoutes } from './routes/embeddings.js';
import { contentRoutes } from './routes/content.js';
import { learningRoutes } from './routes/learning.js';
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
    // A request (headers and body) must arrive in full within this time, or it gets a 408. Node
    // only enforces it on a body when its headers timeout is no longer; it checks 4 times a period.
    requestTimeout: rt.config.server.request_timeout_ms,
    http: {
      headersTimeout: Math.min(60_000, rt.config.server.request_timeout_ms),
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, rt.config.server.request_timeout_ms / 4)),
      // A missing Host header is answered below in OpenAI's error JSON, not with Node's empty 400.
      requireHostHeader: false,
    },
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newRequestId();
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
    if (request.headers.host === undefined && request.raw.httpVersionMinor === 1) {
      done(new PolymathError('invalid_request', 'An HTTP/1.1 request must have a Host header.', { code: 'missing_host' }));
      return;
    }
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
  useJsonBodyParser(app);
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
  learningRoutes(app, rt);
  answerNodeEdgeCases(app);
  return app;
}
