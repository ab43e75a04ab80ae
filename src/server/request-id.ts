/**
 * Request ids: UUID version 7 (RFC 9562), the time in milliseconds first, then random bits. Ids
 * made in time order land at the end of the request log's primary-key index, so a batch of
 * records dirties a few index pages instead of one page a record (version 4 ids are random: the
 * SQLite writer then wrote ~2× the pages, measured in bench:throughput). The random part comes
 * from `randomUUID()`, which draws from a cached pool of entropy; the time part is formatted once
 * a millisecond (under load many requests share one: ~0.2 µs an id saved).
 */
import { randomUUID } from 'node:crypto';

let prefixMs = -1;
/** `tttttttt-tttt-7`: the time part of ids made in millisecond `prefixMs` */
let prefix = '';

export function newRequestId(now = Date.now()): string {
  if (now !== prefixMs) {
    const ms = now.toString(16).padStart(12, '0');
    prefix = `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7`;
    prefixMs = now;
  }
  return prefix + randomUUID().slice(15); // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx: from `xxx-Vxxx-…`
}
