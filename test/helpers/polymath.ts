/** Starts Polymath in-process on a free port with an in-memory SQLite store, for tests. */
import OpenAI from 'openai';
import { parseConfig } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { createLogger } from '../../src/telemetry/logger.js';

export interface TestPolymath extends RunningServer {
  /** the official openai client pointed at this server */
  client: OpenAI;
}

export async function startPolymath(raw: Record<string, unknown>): Promise<TestPolymath> {
  const config = parseConfig({
    ...raw,
    server: { host: '127.0.0.1', port: 0, ...(raw.server as object | undefined) },
    store: { url: 'sqlite://:memory:', flush_ms: 20, ...(raw.store as object | undefined) },
  });
  const server = await startServer(config, createLogger('silent'));
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test-key', maxRetries: 0, timeout: 20_000 });
  return { ...server, client };
}
