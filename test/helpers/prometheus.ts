/** Reads a Prometheus text exposition with a real parser, and finds samples by name and labels. */
import parsePrometheusTextFormat, { type PromFamily, type PromSample } from 'parse-prometheus-text-format';
import { request } from 'undici';

export type { PromFamily, PromSample };

export async function scrape(url: string, headers: Record<string, string> = {}): Promise<{ status: number; contentType: string; text: string; families: PromFamily[] }> {
  const res = await request(url, { headers });
  const text = await res.body.text();
  return { status: res.statusCode, contentType: String(res.headers['content-type']), text, families: res.statusCode === 200 ? parsePrometheusTextFormat(text) : [] };
}

/** The one sample of `name` whose labels include `labels`, or undefined. */
export function sample(families: PromFamily[], name: string, labels: Record<string, string> = {}): PromSample | undefined {
  const family = families.find((f) => f.name === name);
  return family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

export function valueOf(families: PromFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const s = sample(families, name, labels);
  return s?.value === undefined ? undefined : Number(s.value);
}

/**
 * One series of a labelled histogram. parse-prometheus-text-format (like prom2json's flat output)
 * folds every label set of a histogram into one: so the series' own lines are picked out of the
 * exposition, its labels other than `le` dropped, and that text given to the parser.
 */
export function histogram(text: string, name: string, labels: Record<string, string>): PromSample | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const lines = text.split('\n').filter((line) => {
    if (line === `# HELP ${name}` || line.startsWith(`# HELP ${name} `) || line.startsWith(`# TYPE ${name} `)) return true;
    if (!line.startsWith(`${name}_`)) return false;
    return want.every((w) => line.includes(w));
  });
  const stripped = lines.map((line) => (line.startsWith('#') ? line : line.replace(/\{([^}]*)\}/, (_m, inner: string) => {
    const le = inner.split(',').find((p) => p.startsWith('le='));
    return le ? `{${le}}` : '';
  })));
  return parsePrometheusTextFormat(`${stripped.join('\n')}\n`).find((f) => f.name === name)?.metrics[0];
}
