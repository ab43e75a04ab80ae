/**
 * A minimal keep-alive HTTP/1.1 load generator over `node:net` for bench:throughput: one request
 * at a time per connection, the request's bytes built once, the answer framed by Content-Length.
 * It costs a few µs per request, against tens for an undici Pool, so the load generator (which
 * shares a core with the upstream) is not what limits the proxy under test. Loopback only; every
 * run is bounded in time and count, and a connection that does not answer in `timeoutMs` fails it.
 */
import { connect, type Socket } from 'node:net';

export interface Conn {
  /** sends the request and resolves when its whole answer has arrived; rejects unless 200 */
  call(): Promise<void>;
  close(): void;
}

const HEADER_END = Buffer.from('\r\n\r\n');

export function openConn(port: number, path: string, headers: Record<string, string>, body: string, timeoutMs = 30_000): Promise<Conn> {
  const payload = Buffer.from(body);
  const head = Object.entries({ host: `127.0.0.1:${port}`, ...headers, 'content-length': String(payload.length) })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const request = Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\n${head}\r\n`), payload]);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: '127.0.0.1', port, noDelay: true });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(frame(socket, request, timeoutMs));
    });
  });
}

function frame(socket: Socket, request: Buffer, timeoutMs: number): Conn {
  let buf: Buffer = Buffer.alloc(0);
  let waiting: { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;
  const settle = (err?: Error) => {
    const w = waiting;
    if (!w) return;
    waiting = null;
    clearTimeout(w.timer);
    if (err) w.reject(err);
    else w.resolve();
  };
  socket.on('data', (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    const end = buf.indexOf(HEADER_END);
    if (end === -1) return;
    const head = buf.toString('latin1', 0, end);
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!m) return settle(new Error(`answer without content-length: ${head.slice(0, 80)}`));
    const total = end + 4 + Number(m[1]);
    if (buf.length < total) return;
    const status = head.slice(9, 12);
    buf = buf.subarray(total);
    settle(status === '200' ? undefined : new Error(`status ${status}`));
  });
  socket.on('error', (err) => settle(err));
  socket.on('close', () => settle(new Error('connection closed')));
  return {
    call: () =>
      new Promise<void>((resolve, reject) => {
        if (socket.destroyed) return reject(new Error('connection closed'));
        waiting = { resolve, reject, timer: setTimeout(() => settle(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs) };
        socket.write(request);
      }),
    close: () => socket.destroy(),
  };
}
