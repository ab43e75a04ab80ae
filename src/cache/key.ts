/**
 * Cache keys. A namespace (route, API key, content kind, persona) is part of every key, so one
 * key's or one persona's answer is never served to another. The exact key hashes the request as
 * normalized JSON: keys sorted, empty fields and fields that do not change the answer dropped.
 */
import { createHash } from 'node:crypto';

export interface Namespace {
  /** the route alias or `provider/model` the client asked for */
  route: string;
  /** the API key's id; null before any key exists (one shared namespace) */
  key: string | null;
  /** `chat`, `embeddings`, or the content kind */
  kind: string;
  /** the persona as the content request gave it; none for chat and embeddings */
  persona?: unknown;
}

/** Fields of a chat or embeddings body that do not change the answer. */
const IGNORED = new Set(['stream', 'stream_options', 'user']);

export function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** JSON with object keys sorted and null/undefined fields left out, so equal requests read equal. */
export function canonicalJson(value: unknown, ignore?: ReadonlySet<string>): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const parts: string[] = [];
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || v === null || ignore?.has(k)) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

export function namespaceId(ns: Namespace): string {
  return hash(canonicalJson([ns.route, ns.key ?? '', ns.kind, ns.persona ?? null]));
}

/** The exact key of a chat or embeddings body in its namespace. */
export function requestKey(ns: Namespace, body: object): string {
  return `${namespaceId(ns)}:${hash(canonicalJson(body, IGNORED))}`;
}

/** A topic as people type it: case, spacing and end punctuation do not count. */
export function normalizeTopic(topic: string): string {
  return topic.toLowerCase().normalize('NFKC').replace(/\s+/g, ' ').replace(/[\s.!?;:,]+$/u, '').trim();
}
