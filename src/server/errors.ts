/**
 * The one place errors become HTTP: a kind maps to a status and OpenAI's error JSON
 * `{"error":{"message","type","param","code"}}`. Fastify's own errors (bad JSON, body too large,
 * bad URL, oversized headers, unknown path) are answered in the same shape.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { PolymathError, type ErrorKind } from '../errors.js';

const STATUS: Record<ErrorKind, [number, string]> = {
  invalid_request: [400, 'invalid_request_error'],
  unauthorized: [401, 'authentication_error'],
  forbidden: [403, 'permission_error'],
  not_found: [404, 'invalid_request_error'],
  model_not_found: [404, 'invalid_request_error'],
  payload_too_large: [413, 'invalid_request_error'],
  unsupported_media_type: [415, 'invalid_request_error'],
  invalid_output: [422, 'invalid_output'],
  rate_limited: [429, 'rate_limit_error'],
  budget_exceeded: [429, 'insufficient_quota'],
  client_closed: [499, 'client_closed'],
  internal: [500, 'server_error'],
  upstream_error: [502, 'upstream_error'],
  upstream_invalid: [502, 'upstream_error'],
  upstream_unreachable: [502, 'upstream_error'],
  no_provider: [503, 'service_unavailable'],
  no_healthy_target: [503, 'service_unavailable'],
  queue_full: [503, 'service_unavailable'],
  upstream_timeout: [504, 'timeout'],
};

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function statusOf(err: PolymathError): number {
  return STATUS[err.kind][0];
}

export function errorBody(err: PolymathError): ErrorBody {
  return {
    error: {
      message: err.message,
      type: STATUS[err.kind][1],
      param: err.details.param ?? null,
      code: err.details.code ?? err.kind,
    },
  };
}

/** Turns a Fastify or unknown error into a PolymathError; unknown ones keep their text out of the reply. */
export function fromFrameworkError(err: FastifyError | Error): PolymathError {
  if (err instanceof PolymathError) return err;
  const fe = err as FastifyError;
  const status = fe.statusCode ?? 500;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
    return new PolymathError('payload_too_large', 'The request body is larger than the server accepts.', { code: 'payload_too_large' });
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
    return new PolymathError('unsupported_media_type', 'Send the request body as JSON with Content-Type: application/json.', { code: 'unsupported_media_type' });
  }
  if (err instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new PolymathError('invalid_request', `The request body is not valid JSON: ${err.message}`, { code: 'invalid_json' });
  }
  if (status >= 400 && status < 500) {
    return new PolymathError('invalid_request', err.message, { code: fe.code ?? null });
  }
  return new PolymathError('internal', 'Internal server error.', { cause: err });
}

export function sendError(reply: FastifyReply, err: PolymathError): FastifyReply {
  if (err.details.retryAfter !== undefined && (err.kind === 'rate_limited' || err.kind === 'queue_full')) {
    reply.header('retry-after', String(Math.ceil(err.details.retryAfter)));
  }
  return reply.code(statusOf(err)).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(errorBody(err)));
}

export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const pe = fromFrameworkError(err);
  if (pe.kind === 'internal') request.log.error({ err, reqId: request.id }, 'unhandled error');
  return sendError(reply, pe);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, new PolymathError('not_found', `Unknown path: ${request.method} ${request.url.split('?')[0]}`, { code: 'unknown_url' }));
}

/** Answers a request Node's HTTP parser rejected (oversized headers, malformed request line). */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) return;
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify({
    error: {
      message: tooLarge ? 'The request headers are larger than the server accepts.' : 'The request could not be parsed as HTTP.',
      type: 'invalid_request_error',
      param: null,
      code: tooLarge ? 'headers_too_large' : 'bad_request',
    },
  });
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
