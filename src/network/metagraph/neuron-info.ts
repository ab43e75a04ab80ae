/**
 * SCALE decoding of subtensor's `NeuronInfoLite` (pallets/subtensor/src/rpc_info/neuron_info.rs,
 * v2.x), as returned by the runtime API `NeuronInfoRuntimeApi_get_neurons_lite`.
 */
import { TypeRegistry } from '@polkadot/types';
import { compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import type { Neuron } from './types.js';

export const NEURON_INFO_TYPES = {
  AxonInfo: { block: 'u64', version: 'u32', ip: 'u128', port: 'u16', ip_type: 'u8', protocol: 'u8', placeholder1: 'u8', placeholder2: 'u8' },
  PrometheusInfo: { block: 'u64', version: 'u32', ip: 'u128', port: 'u16', ip_type: 'u8' },
  NeuronInfoLite: {
    hotkey: 'AccountId',
    coldkey: 'AccountId',
    uid: 'Compact<u16>',
    netuid: 'Compact<u16>',
    active: 'bool',
    axon_info: 'AxonInfo',
    prometheus_info: 'PrometheusInfo',
    stake: 'Vec<(AccountId, Compact<u64>)>',
    rank: 'Compact<u16>',
    emission: 'Compact<u64>',
    incentive: 'Compact<u16>',
    consensus: 'Compact<u16>',
    trust: 'Compact<u16>',
    validator_trust: 'Compact<u16>',
    dividends: 'Compact<u16>',
    last_update: 'Compact<u64>',
    validator_permit: 'bool',
    pruning_score: 'Compact<u16>',
  },
} as const;

/** A registry with the types above; AccountIds print as ss58 with the generic prefix 42. */
export function neuronRegistry(): TypeRegistry {
  const registry = new TypeRegistry();
  registry.register(NEURON_INFO_TYPES);
  return registry;
}

/** The params of `state_call` for one netuid: SCALE u16, hex. */
export function netuidParam(netuid: number): string {
  const bytes = new Uint8Array(2);
  new DataView(bytes.buffer).setUint16(0, netuid, true);
  return u8aToHex(bytes);
}

const RAO_PER_TAO = 1e9;
const U16_MAX = 65_535;

interface Raw {
  hotkey: string;
  coldkey: string;
  uid: number;
  active: boolean;
  axon_info: { ip: string | number; port: number; ip_type: number };
  stake: Array<[string, number | string]>;
  emission: number | string;
  incentive: number;
  consensus: number;
  validator_trust: number;
  dividends: number;
  last_update: number | string;
  validator_permit: boolean;
}

/**
 * Decodes a `state_call` answer: the bare SCALE `Vec<NeuronInfoLite>`, or the same wrapped in a
 * `Vec<u8>` (older runtimes returned the encoded bytes). A wrapped answer's length prefix equals
 * the bytes that follow; a bare one's neuron count never does (each neuron is over 100 bytes).
 */
export function decodeNeurons(registry: TypeRegistry, bytes: Uint8Array): Neuron[] {
  const inner = unwrapBytes(registry, bytes);
  const vec = registry.createType('Vec<NeuronInfoLite>', inner);
  if (vec.encodedLength !== inner.length) throw new Error(`the answer is ${inner.length} bytes but decodes as ${vec.encodedLength}: not a Vec<NeuronInfoLite>`);
  return (vec.toPrimitive() as unknown as Raw[]).map(toNeuron);
}

function unwrapBytes(registry: TypeRegistry, bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) return bytes;
  try {
    const asBytes = registry.createType('Bytes', bytes);
    // A bare Vec<NeuronInfoLite> of n neurons would need n == remaining bytes, impossible for n > 0.
    if (asBytes.encodedLength === bytes.length && asBytes.length > 0) return asBytes.toU8a(true);
  } catch {
    // a count prefix larger than the bytes: not a Vec<u8>
  }
  return bytes;
}

function toNeuron(r: Raw): Neuron {
  const stakeRao = r.stake.reduce((sum, [, amount]) => sum + BigInt(amount), 0n);
  return {
    uid: Number(r.uid),
    hotkey: r.hotkey,
    coldkey: r.coldkey,
    stake: Number(stakeRao) / RAO_PER_TAO,
    active: r.active,
    validator_permit: r.validator_permit,
    incentive: r.incentive / U16_MAX,
    consensus: r.consensus / U16_MAX,
    dividends: r.dividends / U16_MAX,
    emission: Number(BigInt(r.emission)) / RAO_PER_TAO,
    validator_trust: r.validator_trust / U16_MAX,
    last_update: Number(r.last_update),
    axon: axonOf(BigInt(r.axon_info.ip), r.axon_info.ip_type, r.axon_info.port),
  };
}

/** An axon's u128 ip as text: IPv4 from the low 32 bits when ip_type is 4, else IPv6. */
export function axonOf(ip: bigint, ipType: number, port: number): { ip: string; port: number } | null {
  if (ip === 0n || port === 0) return null;
  if (ipType === 4) return { ip: [24n, 16n, 8n, 0n].map((s) => String((ip >> s) & 0xffn)).join('.'), port };
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((ip >> s) & 0xffffn).toString(16));
  return { ip: groups.join(':'), port };
}

/** IPv4 text → u128 (for encoding test data and the static source's round trip). */
export function ipv4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

/** Wraps bytes in SCALE `Vec<u8>` (compact length prefix), as older runtimes answered. */
export function wrapBytes(bytes: Uint8Array): Uint8Array {
  return u8aConcat(compactToU8a(bytes.length), bytes);
}
