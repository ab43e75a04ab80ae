/**
 * API keys: made here, stored hashed (sha256; the key is shown once, then only its prefix), and
 * looked up on every request through a small cache so the store is read once per key per
 * `key_cache_ms`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { PolymathError } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { ApiKeysTable } from '../store/usage-schema.js';
import { parseBudget, type BudgetPeriod } from './budget-spec.js';

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
  budget: { usd: number; period: BudgetPeriod } | null;
  rpm: number | null;
  tpm: number | null;
  /** route aliases this key may call; null = every route */
  routes: ReadonlySet<string> | null;
}

export interface NewKey {
  name: string;
  budget?: string;
  rpm?: number;
  tpm?: number;
  routes?: string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_CACHED = 10_000;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function keyView(k: ApiKey) {
  return {
    id: k.id,
    object: 'api_key',
    name: k.name,
    prefix: k.prefix,
    created_at: Math.floor(k.createdAt / 1000),
    revoked_at: k.revokedAt === null ? null : Math.floor(k.revokedAt / 1000),
    budget: k.budget ? `${k.budget.usd}/${k.budget.period}` : null,
    rpm: k.rpm,
    tpm: k.tpm,
    routes: k.routes ? [...k.routes] : null,
  };
}

function fromRow(r: ApiKeysTable): ApiKey {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    createdAt: Number(r.created_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    budget: r.budget_usd === null || r.budget_period === null ? null : { usd: r.budget_usd, period: r.budget_period as BudgetPeriod },
    rpm: r.rpm,
    tpm: r.tpm,
    routes: r.routes ? new Set(r.routes.split(',')) : null,
  };
}

export class KeyStore {
  private readonly cache = new Map<string, { key: ApiKey | null; until: number }>();
  private anyKey: { value: boolean; until: number } = { value: false, until: 0 };

  constructor(
    private readonly db: Kysely<Database>,
    private readonly cacheMs: number,
  ) {}

  /** Creates a key; the returned `secret` is the only time the key is seen in clear. */
  async create(input: NewKey): Promise<{ key: ApiKey; secret: string }> {
    if (!NAME.test(input.name)) throw new PolymathError('invalid_request', 'A key name is 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit.', { param: 'name', code: 'invalid_name' });
    const budget = input.budget === undefined ? null : parseBudget(input.budget);
    for (const [param, v] of [['rpm', input.rpm], ['tpm', input.tpm]] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v > 0 && v <= 1e9)) throw new PolymathError('invalid_request', `${param} is a positive whole number.`, { param, code: `invalid_${param}` });
    }
    const routes = input.routes?.map((r) => r.trim()).filter(Boolean);
    if (routes && (routes.length === 0 || routes.some((r) => !NAME.test(r)))) throw new PolymathError('invalid_request', 'routes is a list of route names.', { param: 'routes', code: 'invalid_routes' });
    const secret = `pm-${randomBytes(24).toString('base64url')}`;
    const row: ApiKeysTable = {
      id: `key_${randomBytes(9).toString('base64url')}`,
      name: input.name,
      key_hash: hashKey(secret),
      prefix: secret.slice(0, 7),
      created_at: Date.now(),
      revoked_at: null,
      budget_usd: budget?.usd ?? null,
      budget_period: budget?.period ?? null,
      rpm: input.rpm ?? null,
      tpm: input.tpm ?? null,
      routes: routes ? routes.join(',') : null,
    };
    const taken = await this.db.selectFrom('api_keys').select('id').where('name', '=', input.name).executeTakeFirst();
    if (taken) throw new PolymathError('invalid_request', `A key named "${input.name}" already exists.`, { param: 'name', code: 'name_taken' });
    await this.db.insertInto('api_keys').values(row).execute();
    this.anyKey = { value: true, until: Date.now() + this.cacheMs };
    return { key: fromRow(row), secret };
  }

  async list(): Promise<ApiKey[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().orderBy('created_at').execute();
    return rows.map(fromRow);
  }

  /** Revokes by name or id; resolves to the key, or undefined when there is none. */
  async revoke(nameOrId: string): Promise<ApiKey | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where((eb) => eb.or([eb('name', '=', nameOrId), eb('id', '=', nameOrId)])).executeTakeFirst();
    if (!row) return undefined;
    if (row.revoked_at === null) {
      row.revoked_at = Date.now();
      await this.db.updateTable('api_keys').set({ revoked_at: row.revoked_at }).where('id', '=', row.id).execute();
    }
    for (const [secret, entry] of this.cache) if (entry.key?.id === row.id) this.cache.delete(secret);
    return fromRow(row);
  }

  /** A key by its id, revoked or not (a job queued under it still records it). */
  async byId(id: string): Promise<ApiKey | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /**
   * The live key for a secret, or null (unknown or revoked). Cached, negative answers included,
   * by the secret itself (in memory only), so a cached request is neither hashed nor awaited.
   */
  async find(secret: string): Promise<ApiKey | null> {
    const hit = this.peek(secret);
    if (hit !== undefined) return hit;
    const row = await this.db.selectFrom('api_keys').selectAll().where('key_hash', '=', hashKey(secret)).executeTakeFirst();
    const key = row && row.revoked_at === null ? fromRow(row) : null;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(secret, { key, until: Date.now() + this.cacheMs });
    return key;
  }

  /** The cached answer for a secret: the key, null (no such live key), or undefined (ask `find`). */
  peek(secret: string): ApiKey | null | undefined {
    const hit = this.cache.get(secret);
    return hit !== undefined && hit.until > Date.now() ? hit.key : undefined;
  }

  /** Whether any key exists (revoked ones too: once keys are in use, auth stays on). Cached. */
  async exists(): Promise<boolean> {
    const now = Date.now();
    if (this.anyKey.until > now) return this.anyKey.value;
    const row = await this.db.selectFrom('api_keys').select('id').limit(1).executeTakeFirst();
    this.anyKey = { value: row !== undefined, until: now + this.cacheMs };
    return this.anyKey.value;
  }

  /** The cached answer of `exists`, when fresh. */
  existsCached(): boolean | undefined {
    return this.anyKey.until > Date.now() ? this.anyKey.value : undefined;
  }
}
