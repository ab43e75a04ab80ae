/**
 * HTTP/1.1 over a bare `node:net` socket, for requests no HTTP client would send: bad framing,
 * bad Content-Length, broken chunked bodies, bytes that are not UTF-8 in the request line. Sends
 * the given bytes (pieces may be spaced by a delay), reads the first answer, and reports what
 * happened: the answer, or the socket error and whether it came before any answer.
 */
import { connect } from 'node:net';

export interface RawAnswer {
  /** the status of the first answer, or undefined when none arrived */
  status?: number;
  headers: Record<string, string>;
  body: string;
  /** a socket error (EPIPE, ECONNRESET), if one happened */
  error?: string;
  /** whether the error happened before the whole answer was read */
  errorBeforeAnswer: boolean;
  /** the deadline passed with no complete answer */
  timedOut: boolean;
}

export interface RawOptions {
  /** give up after this long (default 10 s) */
  deadlineMs?: number;
  /** wait this long between pieces */
  gapMs?: number;
  /** send every piece before taking the answer, as a client that reads only after writing does */
  sendAll?: boolean;
}

/** Reads one final answer (after any 1xx); it ends at its Content-Length, at a chunked body's last chunk, or when the socket closes. */
function parseAnswer(buf: Buffer, closed: boolean): Omit<RawAnswer, 'error' | 'errorBeforeAnswer' | 'timedOut'> | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const head = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0])?.[1]);
  if (!Number.isInteger(status)) return undefined;
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = buf.subarray(end + 4);
  if (status < 200) return parseAnswer(rest, closed); // 100 Continue: the answer follows
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (rest.length < length) return closed ? { status, headers, body: rest.toString('utf8') } : undefined;
    return { status, headers, body: rest.subarray(0, length).toString('utf8') };
  }
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    if (!rest.includes('\r\n0\r\n\r\n') && !rest.subarray(0, 5).equals(Buffer.from('0\r\n\r\n')) && !closed) return undefined;
    return { status, headers, body: dechunk(rest) };
  }
  return closed || status === 204 || status === 304 ? { status, headers, body: rest.toString('utf8') } : undefined;
}

function dechunk(buf: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = Number.parseInt(buf.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts).toString('utf8');
}

export function rawExchange(port: number, pieces: Array<Buffer | string>, opts: RawOptions = {}): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let error: string | undefined;
    let errorBeforeAnswer = false;
    let done = false;
    let sent = !opts.sendAll;
    const finish = (closed: boolean, timedOut = false) => {
      if (done || (!sent && !closed && !timedOut)) return;
      const answer = parseAnswer(received, closed);
      if (!answer && !closed && !timedOut) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...(answer ?? { headers: {}, body: received.toString('utf8') }), error, errorBeforeAnswer, timedOut: timedOut && !answer });
    };
    const timer = setTimeout(() => finish(true, true), opts.deadlineMs ?? 10_000);
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      finish(false);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error ??= e.code ?? e.message;
      if (!parseAnswer(received, false)) errorBeforeAnswer = true;
    });
    socket.on('close', () => finish(true));
    socket.once('connect', async () => {
      for (let i = 0; i < pieces.length && !socket.destroyed && !done; i++) {
        if (i > 0 && opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
        if (!socket.write(pieces[i])) await new Promise((r) => socket.once('drain', r).once('close', r));
      }
      sent = true;
      finish(false);
    });
  });
}
