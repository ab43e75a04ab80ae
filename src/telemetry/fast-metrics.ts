/**
 * Counters and histograms recorded as plain numbers on the request path and handed to prom-client
 * only when scraped. prom-client's own `labels(...).inc()` and `.observe()` hash and validate the
 * label values on every call (~1-2 µs each); here a request's recording is a few Map lookups and
 * additions. The children are made once per label set by LabelChildren (bounded).
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { LabelChildren } from './label-children.js';

export interface CounterChild {
  readonly labels: Record<string, string>;
  value: number;
}

export interface HistogramChild {
  readonly labels: Record<string, string>;
  /** observations per bucket (not cumulative), the last one past the largest bound */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

function zip(names: readonly string[], values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  names.forEach((n, i) => (out[n] = values[i]));
  return out;
}

/** A counter: `child(...labels).value += n` on the request path, summed into prom-client at scrape. */
export function fastCounter(registry: Registry, name: string, help: string, labelNames: string[]): LabelChildren<CounterChild> {
  const made: CounterChild[] = [];
  const children = new LabelChildren<CounterChild>((...values) => {
    const c = { labels: zip(labelNames, values), value: 0 };
    made.push(c);
    return c;
  }, labelNames.length);
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of made) if (c.value > 0) this.inc(c.labels, c.value);
    },
  });
  return children;
}

export function observe(h: HistogramChild, bounds: readonly number[], value: number): void {
  let i = 0;
  while (i < bounds.length && value > bounds[i]) i++;
  h.counts[i]++;
  h.sum += value;
  h.count++;
}

/** A histogram whose children are plain bucket counts, written out in Prometheus's form at scrape. */
export function fastHistogram(registry: Registry, name: string, help: string, labelNames: string[], buckets: readonly number[]): LabelChildren<HistogramChild> {
  const made: HistogramChild[] = [];
  const children = new LabelChildren<HistogramChild>((...values) => {
    const h = { labels: zip(labelNames, values), counts: new Float64Array(buckets.length + 1), sum: 0, count: 0 };
    made.push(h);
    return h;
  }, labelNames.length);
  new ScrapedHistogram({ name, help, labelNames, buckets: [...buckets], registers: [registry] }, made, buckets);
  return children;
}

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/** prom-client's Histogram for its registration and type; its values come from our children. */
class ScrapedHistogram extends Histogram<string> {
  constructor(
    config: ConstructorParameters<typeof Histogram<string>>[0],
    private readonly made: HistogramChild[],
    private readonly bounds: readonly number[],
  ) {
    super(config);
  }

  // The registry reads getForPromString when a metric has it, else get.
  async getForPromString() {
    return this.snapshot();
  }

  override async get() {
    return this.snapshot() as unknown as Awaited<ReturnType<Histogram<string>['get']>>;
  }

  private snapshot() {
    const values: Sample[] = [];
    const name = (this as unknown as { name: string }).name;
    for (const h of this.made) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += h.counts[i];
        values.push({ labels: { ...h.labels, le }, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push({ labels: { ...h.labels, le: '+Inf' }, value: h.count, metricName: `${name}_bucket` });
      values.push({ labels: h.labels, value: h.sum, metricName: `${name}_sum` });
      values.push({ labels: h.labels, value: h.count, metricName: `${name}_count` });
    }
    return { name, help: (this as unknown as { help: string }).help, type: 'histogram' as const, values, aggregator: 'sum' as const };
  }
}
