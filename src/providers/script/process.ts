/**
 * Starting and stopping a user's script: each runs in its own process group so that a timeout,
 * an abort or shutdown kills it together with anything it started; and the errors its start,
 * exit or abort become.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { PolymathError } from '../../errors.js';
import { stderrSuffix, type StderrTail } from './stderr-tail.js';

export interface ScriptCommand {
  command: readonly string[];
  cwd?: string;
  /** added to Polymath's own environment */
  env: Record<string, string>;
}

/** Scripts still running, killed if Polymath exits before it closed them. */
const running = new Set<ChildProcessWithoutNullStreams>();
let exitHookInstalled = false;

export function spawnScript(cmd: ScriptCommand): ChildProcessWithoutNullStreams {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const child of running) killGroup(child);
    });
  }
  const [program, ...args] = cmd.command;
  const child = spawn(program, args, {
    cwd: cmd.cwd,
    env: { ...process.env, ...cmd.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    // its own process group: killGroup reaches whatever the script started
    detached: true,
  });
  running.add(child);
  child.once('close', () => running.delete(child));
  child.once('error', () => running.delete(child));
  // A script that exits without reading its stdin makes our write fail with EPIPE: its exit
  // status tells what happened, the write error does not.
  child.stdin.on('error', () => {});
  return child;
}

/** SIGKILL to the script's whole process group (falls back to the process alone). */
export function killGroup(child: ChildProcessWithoutNullStreams): void {
  if (child.pid === undefined || child.exitCode !== null) {
    child.kill('SIGKILL');
    return;
  }
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** The script could not be started at all (no such program, not executable, bad cwd). */
export function startError(provider: string, cmd: ScriptCommand, err: Error & { code?: string }): PolymathError {
  const why = err.code === 'ENOENT' ? `not found (is "${cmd.command[0]}" on PATH${cmd.cwd ? ` and "${cmd.cwd}" a directory` : ''}?)` : err.message;
  return new PolymathError('upstream_unreachable', `${provider}: cannot start ${JSON.stringify(cmd.command[0])}: ${why}`, { provider, code: 'script_start_failed' });
}

/** The script ended without answering, or with a failure status. */
export function exitError(provider: string, code: number | null, signal: NodeJS.Signals | null, tail: StderrTail): PolymathError {
  const how = code !== null ? `exited with code ${code}` : `was killed by ${signal ?? 'a signal'}`;
  return new PolymathError('upstream_error', `${provider}: the script ${how}${stderrSuffix(tail)}`, { provider, code: 'script_failed' });
}

/** The call's signal fired: the deadline passed, or the client left. */
export function abortError(provider: string, signal: AbortSignal, timeoutMs: number): PolymathError {
  const reason: unknown = signal.reason;
  if (reason instanceof PolymathError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new PolymathError('upstream_timeout', `${provider}: the script did not answer within ${timeoutMs} ms and was stopped`, { provider });
  }
  return new PolymathError('client_closed', 'the client closed the request', { provider });
}

export function tooMuchOutput(provider: string, maxBytes: number): PolymathError {
  return new PolymathError('upstream_invalid', `${provider}: the script wrote more than max_output_bytes (${maxBytes}) for one answer and was stopped`, {
    provider,
    code: 'script_output_too_large',
  });
}
