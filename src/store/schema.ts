/** The database's tables, as Kysely sees them. */
import type { Generated } from 'kysely';
import type { ValidatorScoresTable } from './validator-scores.js';

export interface RequestsTable {
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

export interface Database {
  requests: RequestsTable;
  validator_scores: ValidatorScoresTable;
}

export type RequestRecord = RequestsTable;
export type { Generated };
