/**
 * The JSON body parser of every route. Before `JSON.parse` it refuses, each with a 400 that says
 * why: bytes that are not UTF-8 (they used to be turned into U+FFFD and reach headers), nesting
 * deeper than MAX_JSON_DEPTH (V8 parses any depth, but the first recursive step after it, such
 * as `JSON.stringify` to the upstream, overflowed the stack), and `__proto__` or
 * `constructor.prototype` keys (prototype poisoning, refused as Fastify's own parser does).
 * The common body is scanned once by a loop that skips strings with `indexOf` and parsed once.
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { PolymathError } from '../errors.js';

/** Arrays and objects nested deeper than this are refused; OpenAI's deepest bodies (tool and response schemas) use a few dozen levels. */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACKET = 91;
const OPEN_BRACE = 123;
const CLOSE_BRACKET = 93;
const CLOSE_BRACE = 125;

/** Whether arrays and objects in a JSON text nest deeper than `max`; brackets inside strings do not count. */
export function nestsDeeperThan(text: string, max: number): boolean {
  // Each level takes at least one character: a text this short cannot be too deep.
  if (text.length <= max) return false;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // jump to the closing quote: the first one not escaped by an odd run of backslashes
      for (;;) {
        const end = text.indexOf('"', i + 1);
        if (end === -1) return false; // unterminated: JSON.parse words that error
        i = end;
        let slashes = 0;
        while (text.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++;
        if (slashes % 2 === 0) break;
      }
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

// The same patterns secure-json-parse (Fastify's parser) looks for, escapes included.
const PROTO_KEY = /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;
const CONSTRUCTOR_KEY = /"(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)"\s*:/;

/** The path of the first `__proto__` key or `constructor` object with a `prototype`, if any (depth is bounded already). */
function poisonedKey(value: unknown, path: string): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = poisonedKey(value[i], `${path}.${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (Object.hasOwn(value, '__proto__')) return `${path}.__proto__`;
  const ctor = (value as Record<string, unknown>).constructor;
  if (Object.hasOwn(value, 'constructor') && ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) return `${path}.constructor.prototype`;
  for (const key of Object.keys(value)) {
    const found = poisonedKey((value as Record<string, unknown>)[key], `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

const invalid = (message: string, code: string, param: string | null = null) => new PolymathError('invalid_request', message, { code, param });

/** Parses a request body as JSON, or throws a 400 naming what is wrong with it. */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) throw invalid('The request body is empty; send a JSON object.', 'invalid_json');
  if (!isUtf8(raw)) throw invalid('The request body is not valid UTF-8; JSON must be sent as UTF-8.', 'invalid_encoding');
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte order mark: allowed before JSON (RFC 8259 §8.1)
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw invalid(`The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`, 'json_too_deep');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw invalid(`The request body is not valid JSON: ${(err as Error).message}`, 'invalid_json');
  }
  if (PROTO_KEY.test(text) || CONSTRUCTOR_KEY.test(text)) {
    const at = poisonedKey(body, '');
    if (at) throw invalid(`The key "${at.slice(1)}" is not accepted in a request body.`, 'forbidden_key', at.slice(1));
  }
  return body;
}

/** Makes `parseJsonBody` the parser of `application/json` bodies (Fastify keeps the size limit and Content-Length checks). */
export function useJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, raw, done) => {
    let body: unknown;
    try {
      body = parseJsonBody(raw as Buffer);
    } catch (err) {
      done(err as Error, undefined);
      return;
    }
    done(null, body);
  });
}
