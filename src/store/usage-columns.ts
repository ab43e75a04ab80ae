/** The request-record columns metering adds, in insert order. */
export const USAGE_COLUMNS = ['cost_usd', 'key_id', 'user_id', 'kind', 'cache_hit', 'cached_tokens', 'saved_usd'] as const;

/** Fills the usage columns a record left out, as SQLite's named parameters need every one. */
export function withUsageDefaults<T extends Record<string, unknown>>(rows: T[]): T[] {
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    if (r.cache_hit === undefined) r.cache_hit = 0;
    for (const c of USAGE_COLUMNS) if (r[c] === undefined) r[c] = null;
  }
  return rows;
}
