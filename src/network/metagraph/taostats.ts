/**
 * The `taostats` metagraph source: `GET {url}/api/metagraph/latest/v1?netuid=N&page=P&limit=L`
 * with `Authorization: <key>`, every page. Taostats returns numbers as strings: stake and
 * emission in rao, scores as fractions. The caller's signal carries the refresh's deadline.
 */
import { request } from 'undici';
import { PolymathError } from '../../errors.js';
import { MAX_ERROR_BODY, networkError, readCapped, upstreamStatusError } from '../../providers/http-errors.js';
import { parseAxon } from './static.js';
import { MAX_NEURONS, type MetagraphSource, type Neuron } from './types.js';

export const TAOSTATS_URL = 'https://api.taostats.io';
const MAX_PAGE_BYTES = 8 * 1024 * 1024;
const RAO_PER_TAO = 1e9;

/** One row of the answer, as far as Polymath reads it (a wire boundary: fields are checked as read). */
interface Row {
  uid?: unknown;
  hotkey?: { ss58?: unknown } | null;
  coldkey?: { ss58?: unknown } | null;
  stake?: unknown;
  validator_permit?: unknown;
  active?: unknown;
  axon?: { ip?: unknown; port?: unknown } | null;
  incentive?: unknown;
  consensus?: unknown;
  dividends?: unknown;
  emission?: unknown;
  validator_trust?: unknown;
  updated?: unknown;
}

interface Page {
  pagination?: { current_page?: number; total_pages?: number; next_page?: number | null };
  data?: Row[];
}

const num = (v: unknown): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : 0;
};

function toNeuron(r: Row): Neuron {
  const hotkey = r.hotkey?.ss58;
  const coldkey = r.coldkey?.ss58;
  if (typeof r.uid !== 'number' || typeof hotkey !== 'string' || typeof coldkey !== 'string') {
    throw new PolymathError('upstream_invalid', 'taostats: a metagraph row lacks uid, hotkey.ss58 or coldkey.ss58');
  }
  const ip = typeof r.axon?.ip === 'string' ? r.axon.ip : '';
  const port = num(r.axon?.port);
  return {
    uid: r.uid,
    hotkey,
    coldkey,
    stake: num(r.stake) / RAO_PER_TAO,
    active: r.active === true,
    validator_permit: r.validator_permit === true,
    incentive: num(r.incentive),
    consensus: num(r.consensus),
    dividends: num(r.dividends),
    emission: num(r.emission) / RAO_PER_TAO,
    validator_trust: num(r.validator_trust),
    last_update: num(r.updated),
    axon: ip && ip !== '0.0.0.0' && port > 0 ? parseAxon(`${ip.includes(':') ? `[${ip}]` : ip}:${port}`) : null,
  };
}

export class TaostatsSource implements MetagraphSource {
  readonly kind = 'taostats' as const;

  constructor(
    private readonly opts: { url: string; apiKey: string | undefined; pageSize: number },
  ) {}

  async fetch(netuid: number, signal: AbortSignal): Promise<Neuron[]> {
    if (!this.opts.apiKey) throw new PolymathError('unauthorized', 'taostats needs an API key: set network.metagraph.api_key or TAOSTATS_API_KEY');
    const neurons: Neuron[] = [];
    for (let page = 1; ; page++) {
      const body = await this.page(netuid, page, signal);
      for (const row of body.data ?? []) neurons.push(toNeuron(row));
      if (neurons.length > MAX_NEURONS) throw new PolymathError('upstream_invalid', `taostats answered more than ${MAX_NEURONS} neurons`);
      const p = body.pagination;
      const more = p?.next_page != null || (p?.total_pages !== undefined && page < p.total_pages);
      if (!more || (body.data ?? []).length === 0) return neurons;
    }
  }

  private async page(netuid: number, page: number, signal: AbortSignal): Promise<Page> {
    const url = new URL('/api/metagraph/latest/v1', this.opts.url);
    url.search = new URLSearchParams({ netuid: String(netuid), page: String(page), limit: String(this.opts.pageSize) }).toString();
    let text: string;
    try {
      const res = await request(url, { method: 'GET', headers: { authorization: this.opts.apiKey!, accept: 'application/json' }, signal });
      if (res.statusCode >= 300) {
        const err = await readCapped(res.body, MAX_ERROR_BODY, 'taostats', true).catch(() => '');
        throw upstreamStatusError('taostats', res.statusCode, err, res.headers['retry-after']);
      }
      text = await readCapped(res.body, MAX_PAGE_BYTES, 'taostats');
    } catch (err) {
      if (err instanceof PolymathError) throw err;
      throw networkError('taostats', err, signal);
    }
    try {
      return JSON.parse(text) as Page;
    } catch {
      throw new PolymathError('upstream_invalid', `taostats sent malformed JSON on page ${page}`);
    }
  }
}
