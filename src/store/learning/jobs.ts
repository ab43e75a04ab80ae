/**
 * Durable jobs as rows with a lease. A worker claims a job with one atomic update (Postgres:
 * `for update skip locked`, so workers never wait on each other; SQLite: one writer at a time);
 * while it runs, the worker renews its lease; a worker that dies leaves a lease that expires and
 * the job is claimed again. Failures are retried with backoff until `max_attempts`, then the job
 * is `failed` with its error.
 */
import { sql } from 'kysely';
import { fromJson, toJson, type Db } from './db.js';
import type { LearningJobsTable } from './tables.js';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface NewJob {
  id: string;
  type: string;
  dedupe_key: string;
  payload: Record<string, unknown>;
  max_attempts: number;
}

/** A row of `learning_jobs` as code sees it: the payload parsed, the status typed. */
export interface JobRecord extends NewJob, Omit<LearningJobsTable, 'payload' | 'status'> {
  status: JobStatus;
}

const COLUMNS = ['id', 'type', 'dedupe_key', 'payload', 'status', 'attempts', 'max_attempts', 'run_at', 'lease_until', 'locked_by', 'last_error', 'created_at', 'updated_at'] as const;

type Row = { [K in (typeof COLUMNS)[number]]: K extends 'payload' ? string : JobRecord[K] };
const fromRow = (r: Row): JobRecord => ({ ...r, status: r.status as JobStatus, payload: fromJson(r.payload) });

export async function insertJob(db: Db, job: NewJob, now: number): Promise<void> {
  await db
    .insertInto('learning_jobs')
    .values({ ...job, payload: toJson(job.payload), status: 'queued', attempts: 0, run_at: now, lease_until: null, locked_by: null, last_error: null, created_at: now, updated_at: now })
    .execute();
}

export async function getJob(db: Db, id: string): Promise<JobRecord | undefined> {
  const row = await db.selectFrom('learning_jobs').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return row ? fromRow(row as Row) : undefined;
}

export async function getJobByKey(db: Db, key: string): Promise<JobRecord | undefined> {
  const row = await db.selectFrom('learning_jobs').select(COLUMNS).where('dedupe_key', '=', key).executeTakeFirst();
  return row ? fromRow(row as Row) : undefined;
}

/** Jobs queued and due, oldest first (for handing to BullMQ). */
export async function dueJobs(db: Db, now: number, limit: number): Promise<JobRecord[]> {
  const rows = await db.selectFrom('learning_jobs').select(COLUMNS).where('status', '=', 'queued').where('run_at', '<=', now).orderBy('run_at').limit(limit).execute();
  return rows.map((r) => fromRow(r as Row));
}

/**
 * Claims one job: the given one, or else the oldest that is due (queued and due, or running with
 * an expired lease). Returns it with its attempt counted, or undefined when none can be claimed.
 */
export async function claimJob(db: Db, dialect: 'sqlite' | 'postgres', worker: string, leaseMs: number, now: number, id?: string): Promise<JobRecord | undefined> {
  let pick = db
    .selectFrom('learning_jobs')
    .select('id')
    .where((eb) =>
      eb.and([
        eb('attempts', '<', eb.ref('max_attempts')),
        eb.or([eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', now)]), eb.and([eb('status', '=', 'running'), eb('lease_until', '<', now)])]),
      ]),
    );
  if (id !== undefined) pick = pick.where('id', '=', id);
  pick = pick.orderBy('run_at').limit(1);
  if (dialect === 'postgres') pick = pick.forUpdate().skipLocked();
  const row = await db
    .updateTable('learning_jobs')
    .set((eb) => ({ status: 'running', attempts: eb('attempts', '+', 1), locked_by: worker, lease_until: now + leaseMs, updated_at: now }))
    .where('id', '=', (eb) => eb.selectFrom(pick.as('p')).select('p.id'))
    .returning(COLUMNS)
    .executeTakeFirst();
  return row ? fromRow(row as Row) : undefined;
}

/** Fails jobs whose last attempt's worker died (lease expired) with no attempts left. */
export async function failAbandonedJobs(db: Db, now: number): Promise<Array<{ id: string; payload: Record<string, unknown> }>> {
  const rows = await db
    .updateTable('learning_jobs')
    .set({ status: 'failed', last_error: sql<string>`coalesce(last_error, 'the worker stopped before finishing (lease expired) on every attempt')`, locked_by: null, lease_until: null, updated_at: now })
    .where('status', '=', 'running')
    .where('lease_until', '<', now)
    .where((eb) => eb('attempts', '>=', eb.ref('max_attempts')))
    .returning(['id', 'payload'])
    .execute();
  return rows.map((r) => ({ id: r.id, payload: fromJson<Record<string, unknown>>(r.payload) }));
}

/** Extends a lease the worker still holds; false when it lost it. */
export async function renewLease(db: Db, id: string, worker: string, until: number, now: number): Promise<boolean> {
  const res = await db.updateTable('learning_jobs').set({ lease_until: until, updated_at: now }).where('id', '=', id).where('locked_by', '=', worker).where('status', '=', 'running').executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function completeJob(db: Db, id: string, worker: string, now: number): Promise<void> {
  await db.updateTable('learning_jobs').set({ status: 'done', lease_until: null, last_error: null, updated_at: now }).where('id', '=', id).where('locked_by', '=', worker).execute();
}

/** Records a failed attempt: back to `queued` at `retryAt`, or `failed` when no attempts are left. */
export async function failJobAttempt(db: Db, job: JobRecord, worker: string, error: string, retryAt: number, now: number): Promise<JobStatus> {
  const status: JobStatus = job.attempts >= job.max_attempts ? 'failed' : 'queued';
  await db
    .updateTable('learning_jobs')
    .set({ status, run_at: status === 'queued' ? retryAt : job.run_at, last_error: error.slice(0, 2_000), locked_by: null, lease_until: null, updated_at: now })
    .where('id', '=', job.id)
    .where('locked_by', '=', worker)
    .execute();
  return status;
}

/**
 * Mirrors a BullMQ job's state onto its row (BullMQ owns the lease and the retries then). Writes
 * only move forward: never out of `done` or `failed`, never back to an earlier attempt. Returns
 * whether the row changed.
 */
export async function markJob(db: Db, id: string, patch: { status: JobStatus; attempts: number; last_error?: string | null; locked_by?: string | null }, now: number): Promise<boolean> {
  const res = await db
    .updateTable('learning_jobs')
    .set({ ...patch, ...(patch.last_error ? { last_error: patch.last_error.slice(0, 2_000) } : {}), updated_at: now })
    .where('id', '=', id)
    .where('status', 'not in', ['done', 'failed'])
    .where('attempts', '<=', patch.attempts)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
