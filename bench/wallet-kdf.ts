/**
 * What an encrypted ($NACL) hotkey costs to load: bittensor's argon2i key derivation (8 passes
 * over 512 MiB, one lane) plus the secretbox and the JSON, as `loadHotkey` does at a node's start,
 * and the process's peak RSS while it runs. Run: npm run bench:wallet (RUNS=3 by default).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHotkeyFile, loadHotkey } from '../src/network/wallet/index.js';
import { machine, writeSection } from './lib.js';

const RUNS = Number(process.env.RUNS ?? 3);
const path = mkdtempSync(join(tmpdir(), 'polymath-bench-wallet-'));
const password = 'bench-password-1';
try {
  const t0 = performance.now();
  await createHotkeyFile({ name: 'b', hotkey: 'h', path, password });
  const create = performance.now() - t0;
  const loads: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await loadHotkey({ name: 'b', hotkey: 'h', path, password }, {});
    loads.push(performance.now() - t);
  }
  loads.sort((a, b) => a - b);
  const peak = process.resourceUsage().maxRSS / 1024;
  const cpu = process.cpuUsage();
  const line = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const body = `${new Date().toISOString().slice(0, 10)}, ${machine()}; \`npm run bench:wallet\`, one \`wallet create --encrypt\` then ${RUNS} loads of the encrypted hotkey, one process.

| step | time |
|---|---|
| create (encrypt) | ${line(create)} |
| load, fastest | ${line(loads[0]!)} |
| load, median | ${line(loads[Math.floor(loads.length / 2)]!)} |
| load, slowest | ${line(loads.at(-1)!)} |

- Peak RSS of the process: ${Math.round(peak)} MiB (argon2i's 512 MiB, one derivation at a time).
- CPU time over all ${RUNS + 1} derivations: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; wall-clock above includes waiting for a core on a shared machine (load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)} at the end).`;
  writeSection('Encrypted hotkeys (bench:wallet)', body);
  console.log(body);
} finally {
  rmSync(path, { recursive: true, force: true });
}
