/**
 * What conditional and sticky routing may read about a request: its `x-polymath-*` headers, the
 * body's `user`, parameters and `metadata` object, the API key, and a content request's intent
 * (kind, persona.grade). Only references are held: nothing is copied per request.
 */
import type { ConditionConfig } from '../config/index.js';
import type { ContentIntent } from '../providers/types.js';

export interface RequestMeta {
  /** the request's headers; only `x-polymath-*` ones are read */
  headers?: Readonly<Record<string, string | string[] | undefined>>;
  /** the request body (chat or embeddings): `user`, parameters, `metadata` */
  body?: Readonly<Record<string, unknown>>;
  /** the caller's API key or tenant, for `sticky: key` */
  key?: string;
}

export type Conditions = Readonly<Record<string, ConditionConfig>>;

const HEADER_PREFIX = 'x-polymath-';

/**
 * The value at a condition path:
 * `metadata.<k>` (body `metadata`, then the content intent and its persona), `kind`, `grade`,
 * `user`, `key`, `params.<k>` (a body field), `headers.<name>` (`x-polymath-` may be left out).
 */
export function readPath(path: string, meta: RequestMeta | undefined, intent: ContentIntent | undefined): unknown {
  const dot = path.indexOf('.');
  const head = dot === -1 ? path : path.slice(0, dot);
  const rest = dot === -1 ? '' : path.slice(dot + 1);
  switch (head) {
    case 'metadata':
      return rest ? metadataValue(rest, meta, intent) : undefined;
    case 'kind':
    case 'grade':
      return metadataValue(head, meta, intent);
    case 'user':
      return meta?.body?.user;
    case 'key':
      return meta?.key;
    case 'params':
      return rest ? meta?.body?.[rest] : undefined;
    case 'header':
    case 'headers': {
      const name = rest.toLowerCase();
      const value = meta?.headers?.[name.startsWith(HEADER_PREFIX) ? name : HEADER_PREFIX + name];
      return Array.isArray(value) ? value[0] : value;
    }
    default:
      return undefined;
  }
}

function metadataValue(key: string, meta: RequestMeta | undefined, intent: ContentIntent | undefined): unknown {
  const fromBody = (meta?.body?.metadata as Record<string, unknown> | undefined)?.[key];
  if (fromBody !== undefined) return fromBody;
  if (!intent) return undefined;
  if (key === 'kind') return intent.kind;
  if (key === 'topic') return intent.topic;
  return intent.persona?.[key] ?? intent.options?.[key];
}

/** Whether every condition holds for the request. */
export function matches(when: Conditions, meta: RequestMeta | undefined, intent: ContentIntent | undefined): boolean {
  for (const path in when) {
    if (!holds(when[path], readPath(path, meta, intent))) return false;
  }
  return true;
}

function holds(cond: ConditionConfig, value: unknown): boolean {
  if (typeof cond !== 'object') return same(value, cond);
  if (cond.exists !== undefined && (value !== undefined && value !== null) !== cond.exists) return false;
  if (cond.eq !== undefined && !same(value, cond.eq)) return false;
  if (cond.ne !== undefined && same(value, cond.ne)) return false;
  if (cond.in !== undefined && !cond.in.some((v) => same(value, v))) return false;
  if (cond.matches !== undefined && (typeof value !== 'string' || !regex(cond.matches).test(value))) return false;
  if (cond.lt !== undefined || cond.lte !== undefined || cond.gt !== undefined || cond.gte !== undefined) {
    const n = toNumber(value);
    if (n === undefined) return false;
    if (cond.lt !== undefined && !(n < cond.lt)) return false;
    if (cond.lte !== undefined && !(n <= cond.lte)) return false;
    if (cond.gt !== undefined && !(n > cond.gt)) return false;
    if (cond.gte !== undefined && !(n >= cond.gte)) return false;
  }
  return true;
}

/** Compiled `matches` patterns; they come from the config, so the cache is bounded by it (and capped). */
const patterns = new Map<string, RegExp>();

function regex(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) {
    re = new RegExp(source);
    if (patterns.size < 1024) patterns.set(source, re);
  }
  return re;
}

/** Equality that lets a header's "5" equal 5 and "true" equal true. */
function same(value: unknown, expected: string | number | boolean): boolean {
  if (value === expected) return true;
  if (typeof expected === 'number') return toNumber(value) === expected;
  if (typeof expected === 'boolean') return value === String(expected);
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) === expected : false;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
