/**
 * The `subtensor` metagraph source: a node's JSON-RPC `state_call` of the runtime API
 * `NeuronInfoRuntimeApi_get_neurons_lite`, over ws(s) (@polkadot's WsProvider, one connection per
 * refresh) or http(s) (undici), the answer decoded with @polkadot/types.
 */
import { WsProvider } from '@polkadot/rpc-provider';
import { hexToU8a, isHex } from '@polkadot/util';
import type { TypeRegistry } from '@polkadot/types';
import { PolymathError } from '../../errors.js';
import { upstreamStatusError } from '../../providers/http-errors.js';
import { UpstreamHttp } from '../../providers/upstream-http.js';
import { decodeNeurons, netuidParam, neuronRegistry } from './neuron-info.js';
import { MAX_NEURONS, type MetagraphSource, type Neuron } from './types.js';

export const RUNTIME_METHOD = 'NeuronInfoRuntimeApi_get_neurons_lite';
/** A full subnet of 256 uids is ~60 KB of SCALE; this bounds a misbehaving node's answer. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export class SubtensorSource implements MetagraphSource {
  readonly kind = 'subtensor' as const;
  private readonly registry: TypeRegistry = neuronRegistry();
  private readonly http: UpstreamHttp | undefined;
  private nextId = 1;

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {
    if (/^https?:/.test(url)) {
      this.http = new UpstreamHttp({
        provider: 'subtensor',
        headers: {},
        timeoutMs,
        connectTimeoutMs: Math.min(timeoutMs, 5_000),
        maxConnections: 2,
        maxBodyBytes: MAX_ANSWER_BYTES,
        statusError: (status, text, headers) => upstreamStatusError('subtensor', status, text, headers['retry-after']),
      });
    }
  }

  async fetch(netuid: number, signal: AbortSignal): Promise<Neuron[]> {
    const params = [RUNTIME_METHOD, netuidParam(netuid)];
    const result = this.http ? await this.overHttp(params, signal) : await this.overWs(params, signal);
    if (typeof result !== 'string' || !isHex(result)) throw new PolymathError('upstream_invalid', `subtensor answered state_call with ${JSON.stringify(result)?.slice(0, 100)}, not hex`);
    const neurons = decodeNeurons(this.registry, hexToU8a(result));
    if (neurons.length > MAX_NEURONS) throw new PolymathError('upstream_invalid', `subtensor answered ${neurons.length} neurons, more than ${MAX_NEURONS}`);
    return neurons;
  }

  private async overHttp(params: string[], signal: AbortSignal): Promise<unknown> {
    // A JSON-RPC wire boundary: the answer is checked field by field below.
    const answer = await this.http!.postJson<{ result?: unknown; error?: { code?: number; message?: string } }>(
      this.url,
      { jsonrpc: '2.0', id: this.nextId++, method: 'state_call', params },
      signal,
    );
    if (answer.error) throw new PolymathError('upstream_error', `subtensor: ${answer.error.message ?? 'error'} (${answer.error.code ?? '?'})`);
    return answer.result;
  }

  private async overWs(params: string[], signal: AbortSignal): Promise<unknown> {
    const provider = new WsProvider(this.url, false, {}, this.timeoutMs);
    // Without a listener, the provider logs its socket errors itself; the error is thrown below instead.
    provider.on('error', () => undefined);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new PolymathError('upstream_timeout', `subtensor ${this.url}: ${String((signal.reason as Error | undefined)?.message ?? 'aborted')}`));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined); // raced below; never an unhandled rejection
    try {
      const failed = new Promise<never>((_, reject) => provider.on('disconnected', () => reject(new PolymathError('upstream_unreachable', `subtensor ${this.url}: connection closed`))));
      failed.catch(() => undefined);
      await Promise.race([provider.connect().then(() => provider.isReady), aborted, failed]);
      return await Promise.race([provider.send('state_call', params, false), aborted, failed]);
    } catch (err) {
      if (err instanceof PolymathError) throw err;
      throw new PolymathError('upstream_error', `subtensor ${this.url}: ${(err as Error).message}`);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
      await provider.disconnect().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.http?.close();
  }
}
