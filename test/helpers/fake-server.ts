/**
 * The HTTP part every fake upstream shares: reads each request's JSON body, records it, hands it
 * to the test's scriptable `behave`, and closes with its open sockets. The fakes of each wire
 * format (fake-openai, fake-anthropic, fake-gemini) add their own paths, bodies and errors.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  method: string;
  /** the path and query as sent */
  url: string;
  headers: IncomingMessage['headers'];
  body: any; // wire boundary: whatever JSON the gateway sent
}

export type Handler<R> = (req: R, res: ServerResponse) => void | Promise<void>;

export interface FakeServer<R> {
  /** http://127.0.0.1:<port> */
  origin: string;
  received: R[];
  behave: Handler<R>;
  close(): Promise<void>;
}

export interface FakeServerOptions<R> {
  behave: Handler<R>;
  /** answers a body that is not JSON, in the upstream's own error format */
  badJson(res: ServerResponse): void;
  /** turns a request into what the fake records; answers (and returns undefined) when it refuses it */
  accept?(req: Received, res: ServerResponse): R | undefined;
}

export async function startFakeServer<R = Received>(opts: FakeServerOptions<R>): Promise<FakeServer<R>> {
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const p of req) parts.push(p as Buffer);
    const text = Buffer.concat(parts).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return opts.badJson(res);
    }
    const base: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
    const r = opts.accept ? opts.accept(base, res) : (base as R);
    if (r === undefined) return;
    fake.received.push(r);
    await fake.behave(r, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake: FakeServer<R> = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: [],
    behave: opts.behave,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return fake;
}

/** A JSON answer with its content length. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
