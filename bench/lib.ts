/** Shared pieces of the benchmarks: child processes, percentiles, and writing BENCHMARKS.md. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { createInterface } from 'node:readline';

/**
 * Starts a script with its output discarded (a server the caller polls): `.ts` through tsx, `.js`
 * (such as the built dist/cli.js that `npm start` runs) as it is.
 */
export function startChild(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return spawn(process.execPath, [...loader, script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Starts `node --import tsx <script>` and resolves with the first line it prints (a port or URL). */
export function startProcess(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; firstLine: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 30 s`)), 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.stdout!.resume();
      resolve({ child, firstLine: line });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

/** Waits until GET url answers 200. */
export async function waitFor(url: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
}

/** Replaces (or appends) the `## title` section of BENCHMARKS.md with `body`. */
export function writeSection(title: string, body: string, file = 'BENCHMARKS.md'): void {
  const header = '# Benchmarks\n\nMeasured by `npm run bench:*`; each section says when and on what machine.\n';
  const text = existsSync(file) ? readFileSync(file, 'utf8') : header;
  const heading = `## ${title}\n`;
  const section = `${heading}\n${body.trim()}\n`;
  const start = text.indexOf(heading);
  if (start === -1) {
    writeFileSync(file, `${text.trimEnd()}\n\n${section}`);
    return;
  }
  const next = text.indexOf('\n## ', start + heading.length);
  writeFileSync(file, `${text.slice(0, start)}${section}${next === -1 ? '' : text.slice(next)}`);
}
