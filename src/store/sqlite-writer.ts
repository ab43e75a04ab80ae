/**
 * Writes batches of rows into a SQLite file from a worker thread, so the main thread pays only
 * for handing the rows over (structured clone), not for the inserts and the WAL checkpoints they
 * trigger, which cost tens of µs a row on the event loop and grow with the file.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface SqliteWriterOptions {
  /** batches sent and not yet acknowledged; past this `write` rejects at once */
  maxPending: number;
  /** how long a batch may wait for its acknowledgement before the worker is deemed stuck */
  timeoutMs: number;
}

interface Pending {
  settled: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface Reply {
  id: number;
  error?: string;
}

// Plain CommonJS run with `eval: true`: a Worker cannot load a .ts file by path under plain Node,
// and a string runs the same from dist/ and under vitest. `require` exists in CommonJS eval mode.
// The driver is required by the absolute path resolved on the main thread, so the worker uses the
// same copy of better-sqlite3 whatever its working directory.
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
let insertMany;
try {
  const Database = require(workerData.driver);
  const db = new Database(workerData.file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const statement = db.prepare(workerData.sql);
  insertMany = db.transaction((rows) => {
    for (const row of rows) statement.run(row);
  });
} catch (err) {
  // A SqliteError reaches the parent's 'error' event without its message; a plain Error keeps it.
  throw new Error(err instanceof Error ? err.message : String(err));
}
parentPort.on('message', ({ id, rows }) => {
  try {
    insertMany(rows);
    parentPort.postMessage({ id });
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
`;

export class SqliteWriter {
  private readonly driver = createRequire(import.meta.url).resolve('better-sqlite3');
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  /** `sql` is run once per row, with the row as its named parameters. */
  constructor(
    private readonly file: string,
    private readonly sql: string,
    private readonly opts: SqliteWriterOptions = { maxPending: 64, timeoutMs: 30_000 },
  ) {}

  /** Resolves once the worker has committed every row of `rows` in one transaction. */
  write(rows: readonly object[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('sqlite writer is closed'));
    if (this.pending.size >= this.opts.maxPending) {
      return Promise.reject(new Error(`sqlite writer has ${this.pending.size} batches awaiting the database; batch of ${rows.length} refused`));
    }
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const settled = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A batch not acknowledged in time means the worker is stuck; only a new worker bounds
    // what piles up behind it. Whether that batch was committed is then unknown.
    const timer = setTimeout(() => this.fail(worker, new Error(`sqlite writer did not acknowledge a batch within ${this.opts.timeoutMs} ms; restarting it`)), this.opts.timeoutMs);
    timer.unref();
    this.pending.set(id, { settled, resolve, reject, timer });
    // Keep the process alive only while something awaits the database.
    worker.ref();
    try {
      worker.postMessage({ id, rows });
    } catch (err) {
      // rows that cannot be cloned (a function, a symbol) never reach the worker
      this.settle(id, err instanceof Error ? err : new Error(String(err)));
    }
    return settled;
  }

  /** Waits for the batches in flight (each bounded by its deadline), then ends the worker. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.pending.values()].map((p) => p.settled));
    const worker = this.worker;
    this.worker = undefined;
    // better-sqlite3 closes its connections when the worker's environment is torn down.
    await worker?.terminate();
  }

  private start(): Worker {
    const worker = new Worker(WORKER_CODE, {
      eval: true,
      workerData: { driver: this.driver, file: this.file, sql: this.sql },
      // The worker runs plain CommonJS: loaders from the parent (tsx, vitest) would only slow its start.
      execArgv: [],
    });
    worker.unref();
    worker.on('message', (reply: Reply) => this.settle(reply.id, reply.error === undefined ? undefined : new Error(reply.error)));
    worker.on('error', (err: unknown) => this.fail(worker, new Error(`sqlite writer failed: ${err instanceof Error ? err.message : String(err)}`)));
    worker.on('exit', (code) => this.fail(worker, new Error(`sqlite writer exited with code ${code}`)));
    return worker;
  }

  private settle(id: number, err: Error | undefined): void {
    const p = this.pending.get(id);
    if (!p) return; // already rejected by its deadline or by the worker's failure
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve();
    if (this.pending.size === 0) this.worker?.unref();
  }

  /** The worker died or is stuck: every batch sent to it fails, and the next write starts anew. */
  private fail(worker: Worker, err: Error): void {
    if (this.worker !== worker) return; // an old worker's late event
    this.worker = undefined;
    void worker.terminate();
    for (const id of [...this.pending.keys()]) this.settle(id, err);
  }
}
