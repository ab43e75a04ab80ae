/**
 * Writes Server-Sent Events to a raw Node response, honouring backpressure so a slow client
 * holds at most one socket buffer of ours.
 */
import type { ServerResponse } from 'node:http';
import type { StreamEvent } from '../providers/types.js';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** Writes one `data:` event; resolves once the socket can take more. */
export function writeData(res: ServerResponse, data: string): Promise<void> | undefined {
  if (res.writableEnded || res.destroyed) return undefined;
  if (res.write(`data: ${data}\n\n`)) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** The JSON text of a chunk: the upstream's own bytes when it sent them on one line. */
export function chunkData(event: StreamEvent): string {
  return event.raw !== undefined && !event.raw.includes('\n') ? event.raw : JSON.stringify(event.chunk);
}
