/**
 * A local subtensor node for tests: JSON-RPC 2.0 over WebSocket and HTTP on one port, answering
 * `state_call("NeuronInfoRuntimeApi_get_neurons_lite", "0x<u16 netuid LE>")` with the hex of SCALE
 * `Vec<NeuronInfoLite>`, encoded with @polkadot/types from subtensor's published type definition.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { u8aToHex } from '@polkadot/util';
import { WebSocketServer } from 'ws';
import { ipv4ToBigInt, NEURON_INFO_TYPES, wrapBytes } from '../../src/network/metagraph/neuron-info.js';
import { TypeRegistry } from '@polkadot/types';
import { answerChain, chainState, type ChainState, type Notify } from './fake-subtensor-chain.js';

export interface FakeNeuron {
  uid: number;
  hotkey: string;
  coldkey: string;
  /** rao per staking coldkey */
  stake: Array<[string, bigint]>;
  active?: boolean;
  validator_permit?: boolean;
  axon?: { ip: string; port: number };
  incentive?: number;
  emission?: bigint;
  last_update?: number;
}

export interface FakeSubtensor {
  http: string;
  ws: string;
  calls: Array<{ method: string; params: unknown }>;
  /** neurons per netuid */
  neurons: Map<number, FakeNeuron[]>;
  /** answer the old `Vec<u8>`-wrapped form */
  wrapped: boolean;
  /** fail every call with this JSON-RPC error */
  failWith: { code: number; message: string } | null;
  /** the chain: metadata, headers, submitted extrinsics (see fake-subtensor-chain.ts) */
  chain: ChainState;
  /** take WebSocket requests and never answer them */
  silent: boolean;
  close(): Promise<void>;
}

export function encodeNeurons(neurons: FakeNeuron[], netuid: number): Uint8Array {
  const registry = new TypeRegistry();
  registry.register(NEURON_INFO_TYPES);
  const value = neurons.map((n) => ({
    hotkey: n.hotkey,
    coldkey: n.coldkey,
    uid: n.uid,
    netuid,
    active: n.active ?? true,
    axon_info: { block: 100, version: 900, ip: n.axon ? ipv4ToBigInt(n.axon.ip) : 0n, port: n.axon?.port ?? 0, ip_type: 4, protocol: 4, placeholder1: 0, placeholder2: 0 },
    prometheus_info: { block: 0, version: 0, ip: 0, port: 0, ip_type: 0 },
    stake: n.stake,
    rank: 0,
    emission: n.emission ?? 0n,
    incentive: n.incentive ?? 0,
    consensus: 0,
    trust: 0,
    validator_trust: 0,
    dividends: 0,
    last_update: n.last_update ?? 0,
    validator_permit: n.validator_permit ?? false,
    pruning_score: 0,
  }));
  return registry.createType('Vec<NeuronInfoLite>', value).toU8a();
}

export async function startFakeSubtensor(): Promise<FakeSubtensor> {
  const sockets = new Set<Socket>();
  const fake = { calls: [], neurons: new Map(), wrapped: false, failWith: null, chain: chainState(), silent: false } as unknown as FakeSubtensor;

  const answer = (req: { id?: unknown; method?: unknown; params?: unknown }, notify?: Notify): object => {
    fake.calls.push({ method: String(req.method), params: req.params });
    if (fake.failWith) return { jsonrpc: '2.0', id: req.id, error: fake.failWith };
    const chain = answerChain(fake.chain, String(req.method), Array.isArray(req.params) ? req.params : [], notify);
    if (chain) return { jsonrpc: '2.0', id: req.id, ...chain };
    if (req.method !== 'state_call') return { jsonrpc: '2.0', id: req.id, error: { code: -32601, message: 'Method not found' } };
    const [method, arg] = req.params as [string, string];
    if (method !== 'NeuronInfoRuntimeApi_get_neurons_lite' || !/^0x[0-9a-f]{4}$/.test(arg)) {
      return { jsonrpc: '2.0', id: req.id, error: { code: 4003, message: 'Client error: Execution failed: Other: Exported method not found' } };
    }
    const netuid = Buffer.from(arg.slice(2), 'hex').readUInt16LE(0);
    const bytes = encodeNeurons(fake.neurons.get(netuid) ?? [], netuid);
    return { jsonrpc: '2.0', id: req.id, result: u8aToHex(fake.wrapped ? wrapBytes(bytes) : bytes) };
  };

  const server: Server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const p of req) parts.push(p as Buffer);
    let body: { id?: unknown; method?: unknown; params?: unknown };
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8'));
    } catch {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(answer(body)));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket) => {
    const notify: Notify = (method, subscription, result) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ jsonrpc: '2.0', method, params: { subscription, result } }));
    };
    socket.on('message', (data) => !fake.silent && socket.send(JSON.stringify(answer(JSON.parse(data.toString('utf8')), notify))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  fake.http = `http://127.0.0.1:${port}`;
  fake.ws = `ws://127.0.0.1:${port}`;
  fake.close = async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}
