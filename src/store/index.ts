export { openStore, type Store, type StoreDialect } from './db.js';
export { migrateToLatest, appliedMigrations } from './migrations.js';
export { RequestLog, type RequestLogOptions } from './request-log.js';
export type { Database, RequestRecord } from './schema.js';
