/**
 * The one place a response header takes a value that came from a request (a model name, a route,
 * a provider's answer). Node throws ERR_INVALID_CHAR on control characters and on anything past
 * Latin-1, and a streaming answer that has already taken over the socket could then never answer
 * at all; a very long value overflows the client's header limit. So such values are sent as is
 * when they are short printable ASCII, and otherwise percent-encoded (UTF-8) and cut to a bound.
 */

/** The longest header value Polymath sends from data it did not choose itself. */
export const MAX_HEADER_VALUE = 256;

/** Printable ASCII but "%": such a value goes as is, and every value sent decodes with decodeURIComponent. */
const PLAIN = /^[\x20-\x24\x26-\x7e]*$/;

export function headerValue(value: string): string {
  if (value.length <= MAX_HEADER_VALUE && PLAIN.test(value)) return value;
  let out = '';
  for (const ch of value) {
    // a lone surrogate has no UTF-8 form (encodeURIComponent throws on it)
    const code = ch.codePointAt(0)!;
    const piece = code >= 0xd800 && code <= 0xdfff ? '%EF%BF%BD' : encodeURIComponent(ch);
    if (out.length + piece.length > MAX_HEADER_VALUE) break;
    out += piece;
  }
  return out;
}

/** The x-polymath-* headers that say who answered (a new object: callers add to it). */
export function answerHeaders(provider: string, model: string, attempts: number, route: string | null | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'x-polymath-provider': headerValue(provider),
    'x-polymath-model': headerValue(model),
    'x-polymath-attempts': String(attempts),
  };
  if (route) headers['x-polymath-route'] = headerValue(route);
  return headers;
}
