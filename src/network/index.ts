/** The network layer: Epistula signing, bittensor hotkeys, metagraph sources, and the miner. */
export { signHeaders, verifyHeaders, verifyStreamSignature, signStream, signStreamDigest, sha256Hex, ReplayCache, MAX_AGE_MS, MAX_FUTURE_MS, type StreamEpistula, type VerifyResult, type VerifyReason, type VerifyOptions } from './epistula.js';
export { loadHotkey, createHotkeyFile, hotkeyFromMnemonic, hotkeyFile, walletsPath, WalletError, type Hotkey, type HotkeyLocation } from './wallet/index.js';
export { createMetagraphSource, Metagraph, StaticSource, SubtensorSource, TaostatsSource, type MetagraphSource, type Neuron, type MetagraphOptions } from './metagraph/index.js';
export { startMiner, MinerConfigError, type RunningMiner } from './miner/index.js';
