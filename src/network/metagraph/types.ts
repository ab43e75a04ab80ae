/** One uid of a subnet, whatever source it came from. Stake and emission in TAO; scores 0..1. */
export interface Neuron {
  uid: number;
  hotkey: string;
  coldkey: string;
  /** TAO */
  stake: number;
  active: boolean;
  validator_permit: boolean;
  incentive: number;
  consensus: number;
  dividends: number;
  /** TAO per tempo */
  emission: number;
  validator_trust: number;
  /** block of the last weights update */
  last_update: number;
  /** null when the neuron serves no axon (ip 0 or port 0) */
  axon: { ip: string; port: number } | null;
}

export interface MetagraphSource {
  readonly kind: 'static' | 'subtensor' | 'taostats';
  fetch(netuid: number, signal: AbortSignal): Promise<Neuron[]>;
  /** calls `onChange` when the source knows its data changed (a static file written); answers the function that stops watching */
  watch?(onChange: () => void): () => void;
  close?(): Promise<void>;
}

/** The most neurons one source answer may hold (a subnet has at most 256 uids today). */
export const MAX_NEURONS = 4096;
