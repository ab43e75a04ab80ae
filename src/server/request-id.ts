/**
 * Request ids: UUID version 7 (RFC 9562), the time in milliseconds first, then random bits. Ids
 * made in time order land at the end of the request log's primary-key index, so a batch of
 * records dirties a few index pages instead of one page a record (version 4 ids are random: the
 * SQLite writer then wrote ~2× the pages, measured in bench:throughput). The random part comes
 * from `randomUUID()`, which draws from a cached pool of entropy.
 */
import { randomUUID } from 'node:crypto';

export function newRequestId(now = Date.now()): string {
  const v4 = randomUUID(); // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx, V the variant
  const ms = now.toString(16).padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${v4.slice(15)}`;
}
