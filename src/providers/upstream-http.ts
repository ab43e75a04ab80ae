/**
 * One JSON POST to a provider's HTTP API (OpenAI-compatible, Anthropic, Gemini): a deadline and
 * the caller's AbortSignal on every call, bounded bodies, and the provider's own error mapping for
 * non-2xx answers. The deadline covers the whole call, body included, and is released when the
 * body closes.
 */
import { Agent, type Dispatcher } from 'undici';
import type { AbortState, Signal } from '../abort.js';
import { PolymathError } from '../errors.js';
import { deadline } from './deadline.js';
import { MAX_ERROR_BODY, networkError, readCapped } from './http-errors.js';

/** The largest whole (non-streaming) response body we accept from an upstream. */
export const MAX_BODY = 32 * 1024 * 1024;

export type ResponseBody = Dispatcher.ResponseData['body'];

/** Turns a non-2xx answer (status, body text capped at MAX_ERROR_BODY, headers) into an error. */
export type StatusErrorMapper = (status: number, bodyText: string, headers: Record<string, string | string[] | undefined>) => PolymathError;

export interface UpstreamOptions {
  /** the configured provider name, for messages */
  provider: string;
  headers: Record<string, string>;
  timeoutMs: number;
  connectTimeoutMs: number;
  maxConnections: number;
  statusError: StatusErrorMapper;
  /** the largest whole answer read (default MAX_BODY) */
  maxBodyBytes?: number;
}

export interface OpenResponse {
  body: ResponseBody;
  /** the caller's signal joined with the deadline (it aborts the body too): tells why a read failed */
  signal: AbortState;
  /** the body's declared length in bytes, when the upstream sent one */
  length?: number;
}

/** The most URLs whose origin and path are kept parsed (one per endpoint, and per model for Gemini). */
const MAX_PARSED_URLS = 256;

export class UpstreamHttp {
  private readonly agent: Agent;
  /** URL → origin and path: undici's `request(url)` parses the URL anew on every call (~5 µs) */
  private readonly parsed = new Map<string, { origin: string; path: string }>();
  /** a POST's headers as undici's flat name/value list, built once; object spreads cost µs a call */
  private readonly postHeaders: string[];

  constructor(private readonly opts: UpstreamOptions) {
    this.postHeaders = Object.entries({ 'content-type': 'application/json', ...opts.headers }).flat();
    this.agent = new Agent({
      connections: opts.maxConnections,
      connect: { timeout: opts.connectTimeoutMs },
      // Every call has its own deadline (below), covering headers and body: undici's timers would
      // only repeat it, at the cost of two timer objects a request that live until undici's next
      // timer tick (~1 s), long enough to be promoted to the old generation and collected there.
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: 30_000,
    });
  }

  /** POSTs JSON; answers the open body of a 2xx or throws the mapped upstream error. */
  async post(url: string, payload: unknown, signal: Signal, extraHeaders: Record<string, string> = {}): Promise<OpenResponse> {
    const limit = deadline(signal, this.opts.timeoutMs);
    const joined = limit.abort;
    let res: Dispatcher.ResponseData;
    try {
      const { origin, path } = this.split(url);
      const headers = this.postHeaders.slice();
      for (const name in extraHeaders) {
        const at = headers.indexOf(name);
        if (at % 2 === 0) headers[at + 1] = extraHeaders[name]; // a configured header of that name yields
        else headers.push(name, extraHeaders[name]);
      }
      res = await this.agent.request({
        origin,
        path,
        method: 'POST',
        headers,
        body: typeof payload === 'string' ? payload : JSON.stringify(payload),
        signal: joined, // an EventEmitter: cheaper for undici to listen to than an AbortSignal
      });
    } catch (err) {
      limit.release();
      throw networkError(this.opts.provider, err, joined);
    }
    res.body.once('close', limit.release);
    if (res.statusCode >= 300) {
      let text = '';
      try {
        text = await readCapped(res.body, MAX_ERROR_BODY, this.opts.provider, true);
      } catch (err) {
        throw networkError(this.opts.provider, err, joined);
      } finally {
        res.body.destroy();
      }
      throw this.opts.statusError(res.statusCode, text, res.headers);
    }
    const length = Number(res.headers['content-length'] ?? NaN);
    return { body: res.body, signal: joined, ...(Number.isSafeInteger(length) ? { length } : {}) };
  }

  /** POSTs JSON and reads the whole answer as text. */
  async postText(url: string, payload: unknown, signal: Signal, extraHeaders?: Record<string, string>): Promise<string> {
    const { body, signal: joined, length } = await this.post(url, payload, signal, extraHeaders);
    const max = this.opts.maxBodyBytes ?? MAX_BODY;
    try {
      // A declared length within the limit bounds the body already (undici reads exactly that
      // many bytes), so it is read whole, without the chunk-by-chunk count.
      if (length !== undefined && length <= max) return await body.text();
      return await readCapped(body, max, this.opts.provider);
    } catch (err) {
      throw networkError(this.opts.provider, err, joined);
    }
  }

  /** POSTs JSON and reads the whole answer as a JSON object. */
  async postJson<T>(url: string, payload: unknown, signal: Signal, extraHeaders?: Record<string, string>): Promise<T> {
    return parseObject<T>(await this.postText(url, payload, signal, extraHeaders), this.opts.provider);
  }

  /** GETs a URL and tells whether it answered 2xx, within the deadline (for health checks). */
  async ok(url: string, signal: Signal): Promise<boolean> {
    const limit = deadline(signal, this.opts.timeoutMs);
    try {
      const { origin, path } = this.split(url);
      const res = await this.agent.request({ origin, path, method: 'GET', headers: this.opts.headers, signal: limit.abort });
      await res.body.dump();
      return res.statusCode < 300;
    } catch {
      return false;
    } finally {
      limit.release();
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private split(url: string): { origin: string; path: string } {
    let hit = this.parsed.get(url);
    if (!hit) {
      const u = new URL(url);
      hit = { origin: u.origin, path: `${u.pathname}${u.search}` };
      if (this.parsed.size >= MAX_PARSED_URLS) this.parsed.clear();
      this.parsed.set(url, hit);
    }
    return hit;
  }
}

/** Parses upstream JSON text that must be an object. */
export function parseObject<T>(text: string, provider: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PolymathError('upstream_invalid', `${provider} sent malformed JSON: ${text.slice(0, 200)}`, { provider });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PolymathError('upstream_invalid', `${provider} sent JSON that is not an object`, { provider });
  }
  return value as T;
}
