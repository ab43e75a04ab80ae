/** The few parts of the `ws` package (present through @polkadot) that the fake subtensor node uses; it ships no types. */
declare module 'ws' {
  import type { IncomingMessage, Server } from 'node:http';
  export class WebSocket {
    readonly readyState: number;
    readonly OPEN: number;
    send(data: string): void;
    close(): void;
    terminate(): void;
    on(event: 'message', listener: (data: Buffer) => void): this;
    on(event: 'close', listener: () => void): this;
  }
  export class WebSocketServer {
    constructor(opts: { server: Server });
    clients: Set<WebSocket>;
    on(event: 'connection', listener: (socket: WebSocket, req: IncomingMessage) => void): this;
    close(cb?: () => void): void;
  }
}
