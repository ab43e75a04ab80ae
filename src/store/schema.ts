/** The database's tables, as Kysely sees them. */
import type { Generated } from 'kysely';
import type { LearningDatabase } from './learning/tables.js';
import type { RequestUsageColumns, UsageTables } from './usage-schema.js';
import type { ValidatorScoresTable } from './validator-scores.js';

export interface RequestsTable extends RequestUsageColumns {
  id: string;
  /** milliseconds since the epoch */
  created_at: number;
  /** chat | embeddings | content */
  endpoint: string;
  route: string | null;
  provider: string | null;
  model: string | null;
  stream: number;
  status: number;
  attempts: number;
  latency_ms: number;
  ttft_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  error_kind: string | null;
}

export interface Database extends LearningDatabase, UsageTables {
  requests: RequestsTable;
  validator_scores: ValidatorScoresTable;
}

/** A record as the request log writes it; the usage columns may be left out (null, cache_hit 0). */
export type RequestRecord = Omit<RequestsTable, keyof RequestUsageColumns> & Partial<RequestUsageColumns>;
export type { Generated };
