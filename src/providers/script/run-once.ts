/**
 * One call to a one-shot script: start it, write the request to its stdin, read its whole stdout
 * until it exits. The deadline, an abort or too much output kill its process group at once.
 */
import { abortError, exitError, killGroup, spawnScript, startError, tooMuchOutput, type ScriptCommand } from './process.js';
import { StderrTail } from './stderr-tail.js';

export interface RunOptions {
  provider: string;
  cmd: ScriptCommand;
  secrets: readonly string[];
  maxOutputBytes: number;
  timeoutMs: number;
  signal: AbortSignal;
}

/** Resolves with the script's stdout when it exits with 0; rejects with a PolymathError otherwise. */
export function runOnce(input: string, opts: RunOptions): Promise<string> {
  const { provider, signal } = opts;
  if (signal.aborted) return Promise.reject(abortError(provider, signal, opts.timeoutMs));
  return new Promise((resolve, reject) => {
    const child = spawnScript(opts.cmd);
    const tail = new StderrTail(opts.secrets);
    const out: Buffer[] = [];
    let size = 0;
    let settled = false;

    const finish = (err: Error | undefined, text?: string) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (err) {
        killGroup(child);
        reject(err);
      } else resolve(text ?? '');
    };
    const onAbort = () => finish(abortError(provider, signal, opts.timeoutMs));
    signal.addEventListener('abort', onAbort, { once: true });

    child.once('error', (err) => finish(startError(provider, opts.cmd, err)));
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > opts.maxOutputBytes) return finish(tooMuchOutput(provider, opts.maxOutputBytes));
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => tail.push(chunk));
    child.once('close', (code, sig) => {
      if (code === 0) finish(undefined, Buffer.concat(out).toString('utf8'));
      else finish(exitError(provider, code, sig, tail));
    });
    child.stdin.end(input);
  });
}
