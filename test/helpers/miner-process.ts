/** `polymath miner` as a real process, for the local network test and bench:network. */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.ts');

export interface MinerProcess {
  name: string;
  port: number;
  child: ChildProcess;
  /** resolves once it listens */
  ready: Promise<void>;
  kill(): void;
  output(): string;
}

/** A free TCP port on 127.0.0.1 (bound and released: the miner binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Writes `config` (JSON is YAML) to `<dir>/<name>.yaml` and starts `polymath miner --config` on it. */
export function startMinerProcess(dir: string, name: string, port: number, config: Record<string, unknown>, timeoutMs = 90_000): MinerProcess {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CLI, 'miner', '--config', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: dir } });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  child.stderr!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`miner ${name} did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      if (out.includes('polymath miner listening on')) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`miner ${name} exited with ${code}:\n${out}`));
    });
  });
  ready.catch(() => {});
  return { name, port, child, ready, kill: () => child.kill('SIGKILL'), output: () => out };
}
