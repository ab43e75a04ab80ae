/** The tables of keys and usage, and the columns usage adds to `requests`. */

export interface ApiKeysTable {
  /** `key_` + random; the public id */
  id: string;
  name: string;
  /** sha256 of the key, hex; the key itself is never stored */
  key_hash: string;
  /** the key's first characters, to tell keys apart in lists */
  prefix: string;
  created_at: number;
  revoked_at: number | null;
  budget_usd: number | null;
  /** day | week | month */
  budget_period: string | null;
  rpm: number | null;
  tpm: number | null;
  /** route aliases this key may call, comma-separated; null = all */
  routes: string | null;
}

/** What metering adds to each request record. */
export interface RequestUsageColumns {
  cost_usd: number | null;
  key_id: string | null;
  /** the body's `user`, or the learner */
  user_id: string | null;
  /** content kind, for /v1/content and the learning API */
  kind: string | null;
  /** 1 when the answer came from the cache */
  cache_hit: number;
  cached_tokens: number | null;
  /** what a cache hit saved: the cost of the answer it served (null when not a hit) */
  saved_usd: number | null;
}

export interface UsageTables {
  api_keys: ApiKeysTable;
}
