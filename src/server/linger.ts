/**
 * Lingering close: when Polymath answers before it has read the whole request body (a body over
 * the limit, a wrong content type), it must close the connection, but closing at once makes the
 * client's next write fail (EPIPE, then a reset) and the kernel drops our answer from the client's
 * receive buffer before it was read. So after the answer Polymath closes only its sending side and
 * keeps reading (and discarding) what the client still sends, until the client closes, for at
 * most LINGER_MS and LINGER_BYTES; then it closes the socket.
 */
import type { Socket } from 'node:net';

export const LINGER_MS = 5_000;
export const LINGER_BYTES = 64 * 1024 * 1024;
const CHECK_MS = 100;

const lingering = new WeakSet<Socket>();

/**
 * Makes the close that follows the current answer on `socket` a lingering one. Node's HTTP server
 * ends an answer sent with `Connection: close` by calling `socket.destroySoon()`; this replaces it
 * on that socket alone.
 */
export function lingerAfterAnswer(socket: Socket): void {
  if (lingering.has(socket) || socket.destroyed) return;
  lingering.add(socket);
  socket.destroySoon = function lingeringClose(this: Socket) {
    this.end(); // FIN once the answer is flushed; the request body keeps being read and dropped
    const start = this.bytesRead;
    const check = setInterval(() => {
      if (this.bytesRead - start > LINGER_BYTES) this.destroy();
    }, CHECK_MS);
    const stop = setTimeout(() => this.destroy(), LINGER_MS);
    check.unref();
    stop.unref();
    this.once('close', () => {
      clearInterval(check);
      clearTimeout(stop);
    });
    this.once('end', () => this.destroy()); // the client is done sending
  };
}
