/**
 * One long-lived script of a persistent pool. It reads one JSON request per line on stdin and
 * writes one JSON answer per line on stdout, strictly in turn: the pool gives a worker one call
 * at a time, so the next line it writes is the answer to the call in hand. Anything that would
 * break that pairing (a deadline or abort mid-call, an over-long line, a line nobody asked for)
 * kills the worker; the pool starts a fresh one for a later call.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { PolymathError } from '../../errors.js';
import { abortError, exitError, killGroup, spawnScript, startError, tooMuchOutput, type ScriptCommand } from './process.js';
import { StderrTail } from './stderr-tail.js';

/** how long after a script's exit its last output is still awaited */
const EXIT_DRAIN_MS = 200;

export interface WorkerOptions {
  provider: string;
  cmd: ScriptCommand;
  secrets: readonly string[];
  maxOutputBytes: number;
  timeoutMs: number;
}

interface Pending {
  resolve(line: string): void;
  reject(err: Error): void;
}

export class ScriptWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly tail: StderrTail;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private pending: Pending | undefined;
  private dead = false;

  constructor(
    private readonly opts: WorkerOptions,
    private readonly onExit: (worker: ScriptWorker) => void,
  ) {
    this.tail = new StderrTail(opts.secrets);
    this.child = spawnScript(opts.cmd);
    this.child.once('error', (err) => this.die(startError(opts.provider, opts.cmd, err)));
    this.child.once('exit', (code, signal) => {
      // What it wrote just before exiting may still be in the pipes: wait for them to close
      // (briefly: a process it started may hold them open).
      const report = () => this.die(exitError(opts.provider, code, signal, this.tail));
      const timer = setTimeout(report, EXIT_DRAIN_MS);
      this.child.once('close', () => {
        clearTimeout(timer);
        report();
      });
    });
    this.child.stdout.on('data', (chunk: Buffer) => this.read(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => this.tail.push(chunk));
  }

  get alive(): boolean {
    return !this.dead;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Writes one request line and resolves with the next line the script writes. */
  call(line: string, signal: AbortSignal): Promise<string> {
    if (this.dead) return Promise.reject(new PolymathError('upstream_error', `${this.opts.provider}: the script is not running`, { provider: this.opts.provider }));
    if (this.pending) throw new Error('ScriptWorker.call while a call is in progress');
    if (signal.aborted) return Promise.reject(abortError(this.opts.provider, signal, this.opts.timeoutMs));
    return new Promise((resolve, reject) => {
      const onAbort = () => this.die(abortError(this.opts.provider, signal, this.opts.timeoutMs));
      signal.addEventListener('abort', onAbort, { once: true });
      const done = () => signal.removeEventListener('abort', onAbort);
      this.pending = {
        resolve: (text) => {
          done();
          resolve(text);
        },
        reject: (err) => {
          done();
          reject(err);
        },
      };
      this.tail.clear();
      this.child.stdin.write(`${line}\n`);
    });
  }

  /** Stops the script; a call in progress fails with `reason`. */
  kill(reason?: PolymathError): void {
    this.die(reason ?? new PolymathError('upstream_unreachable', `${this.opts.provider}: the script was stopped`, { provider: this.opts.provider }));
  }

  private read(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.buffered.push(chunk.subarray(start, nl));
      const line = Buffer.concat(this.buffered).toString('utf8').trim();
      this.buffered = [];
      this.bufferedBytes = 0;
      start = nl + 1;
      if (line.length > 0) this.answer(line);
      if (this.dead) return;
    }
    const rest = chunk.subarray(start);
    this.bufferedBytes += rest.byteLength;
    if (this.bufferedBytes > this.opts.maxOutputBytes) return this.die(tooMuchOutput(this.opts.provider, this.opts.maxOutputBytes));
    if (rest.byteLength > 0) this.buffered.push(rest);
  }

  private answer(line: string): void {
    const pending = this.pending;
    if (!pending) {
      this.die(new PolymathError('upstream_invalid', `${this.opts.provider}: the script wrote a line nobody asked for; stdout is for answers only, log to stderr`, { provider: this.opts.provider }));
      return;
    }
    this.pending = undefined;
    pending.resolve(line);
  }

  private die(err: PolymathError): void {
    if (this.dead) return;
    this.dead = true;
    killGroup(this.child);
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(err);
    this.onExit(this);
  }
}
