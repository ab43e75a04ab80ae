/**
 * Reads Server-Sent Events from an upstream body, bounded: one event may not exceed `maxEventBytes`.
 * Shared by every provider that streams SSE (OpenAI-compatible, Anthropic, Gemini).
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { PolymathError } from '../errors.js';

export const MAX_EVENT_BYTES = 1024 * 1024;

export async function* readSse(body: AsyncIterable<Uint8Array | string>, provider: string, maxEventBytes = MAX_EVENT_BYTES): AsyncGenerator<EventSourceMessage> {
  const queue: EventSourceMessage[] = [];
  let pendingBytes = 0;
  const parser = createParser({
    onEvent: (event) => {
      queue.push(event);
      pendingBytes = 0;
    },
  });
  const decoder = new TextDecoder();
  for await (const piece of body) {
    const text = typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true });
    pendingBytes += text.length;
    parser.feed(text);
    if (pendingBytes > maxEventBytes) {
      throw new PolymathError('upstream_invalid', `${provider} sent an SSE event larger than ${maxEventBytes} bytes`, { provider });
    }
    while (queue.length > 0) yield queue.shift()!;
  }
  parser.feed('\n\n');
  while (queue.length > 0) yield queue.shift()!;
}
