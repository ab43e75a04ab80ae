/** The jobs seam: handlers by job type, and what a runner (store rows or BullMQ) offers. */

export type JobHandler = (payload: Record<string, unknown>, signal: AbortSignal) => Promise<unknown>;

export interface JobHooks {
  handlers: Record<string, JobHandler>;
  /** a job has failed for good: its last error */
  onFailed(payload: Record<string, unknown>, error: string): Promise<void>;
}

export interface JobRunner {
  /** a job was committed to the store: start it soon */
  notify(jobId: string): void;
  start(): void;
  /** stops taking jobs, aborts those running (their lease or BullMQ lock lets another worker retry), and waits */
  close(): Promise<void>;
}

export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
