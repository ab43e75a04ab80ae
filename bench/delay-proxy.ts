/**
 * A TCP proxy in front of one miner that injects network conditions: each chunk, either way, is
 * held for a delay drawn from [min, max] ms (order kept), and the proxy can be "killed" (listener
 * closed, connections reset: to a caller, the node is gone) and revived.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class DelayProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  minMs = 0;
  maxMs = 0;
  /** multiplies the delay (a slow node) */
  factor = 1;

  constructor(readonly port: number, private readonly target: number) {}

  private delay(): number {
    return (this.minMs + Math.random() * (this.maxMs - this.minMs)) * this.factor;
  }

  private pipe(from: Socket, to: Socket): void {
    let last = 0;
    from.on('data', (chunk) => {
      // never before the previous chunk: delays keep the byte order
      const at = Math.max(Date.now() + this.delay(), last);
      last = at;
      setTimeout(() => to.destroyed || to.write(chunk), at - Date.now());
    });
    from.on('end', () => setTimeout(() => to.end(), Math.max(0, last - Date.now())));
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      this.pipe(client, upstream);
      this.pipe(upstream, client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  /** The node dies: no new connection is accepted, open ones are reset. */
  async kill(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    for (const sock of this.sockets) sock.resetAndDestroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
