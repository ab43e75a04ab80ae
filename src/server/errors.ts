/**
 * The one place errors become HTTP: a kind maps to a status and OpenAI's error JSON
 * `{"error":{"message","type","param","code"}}`. Fastify's own errors (bad JSON, body too large,
 * bad URL, oversized headers, unknown path) are answered in the same shape.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { PolymathError, type ErrorKind } from '../errors.js';
import { lingerAfterAnswer } from './linger.js';

const STATUS: Record<ErrorKind, [number, string]> = {
  invalid_request: [400, 'invalid_request_error'],
  unauthorized: [401, 'authentication_error'],
  forbidden: [403, 'permission_error'],
  not_found: [404, 'invalid_request_error'],
  model_not_found: [404, 'invalid_request_error'],
  conflict: [409, 'invalid_request_error'],
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
  unavailable: [503, 'service_unavailable'],
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
  closeGently(request, reply);
  return sendError(reply, pe);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  closeGently(request, reply);
  const path = request.url.split('?')[0];
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return sendError(reply, new PolymathError('not_found', `Unknown path: ${request.method} ${shown}`, { code: 'unknown_url' }));
}

/**
 * An answer sent before the request body was read (too large, wrong type, unknown path) closes
 * the connection, lingering so the client still reads the answer while it sends (see linger.ts).
 */
function closeGently(request: FastifyRequest, reply: FastifyReply): void {
  const raw = request.raw;
  if (raw.complete || reply.sent) return;
  const h = request.headers;
  if (h['transfer-encoding'] === undefined && (h['content-length'] === undefined || h['content-length'] === '0')) return;
  reply.header('connection', 'close');
  lingerAfterAnswer(raw.socket);
}

/** What Node's HTTP parser (or its request timeout) rejected, as a status, a code and a sentence. */
function clientFailure(code: string | undefined): [number, string, string, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'Request Header Fields Too Large', 'headers_too_large', 'The request headers are larger than the server accepts.'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'Request Timeout', 'request_timeout', 'The request was not received in full in time.'];
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return [400, 'Bad Request', 'bad_content_length', 'The request has an invalid Content-Length.'];
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [400, 'Bad Request', 'bad_chunked_body', 'The request body is not valid chunked encoding.'];
    default:
      return [400, 'Bad Request', 'bad_request', 'The request could not be parsed as HTTP.'];
  }
}

/**
 * Answers a request Node's HTTP parser rejected (oversized headers, a malformed request line,
 * bad framing) or that did not arrive in time, in OpenAI's error JSON, when the socket can still
 * take an answer: not after a reset, and not while another answer is being written on it.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  // wire boundary: Node keeps the response being written on a socket as `_httpMessage`
  const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || current?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] = clientFailure(err.code);
  socket.end(rawError(status, reason, code, message));
}

/** A whole HTTP/1.1 error answer, for sockets Fastify does not own. */
function rawError(status: number, reason: string, code: string, message: string): string {
  const body = JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } });
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * The requests Node answers itself, with an empty body, unless told otherwise: an `Expect` header
 * other than 100-continue (417) and the CONNECT method (Node would just drop the connection).
 */
export function answerNodeEdgeCases(app: FastifyInstance): void {
  app.server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.stringify({ error: { message: 'Only "Expect: 100-continue" is supported.', type: 'invalid_request_error', param: null, code: 'expectation_failed' } });
    res.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
  });
  app.server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    if (socket.writable) socket.end(rawError(405, 'Method Not Allowed', 'method_not_allowed', 'CONNECT is not supported.'));
    else socket.destroy();
  });
}
