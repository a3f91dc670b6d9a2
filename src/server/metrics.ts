/**
 * A small Prometheus registry: counters, gauges and summaries (quantiles over
 * a sliding window of recent observations), rendered in the text exposition
 * format 0.0.4. Enough for `/metrics` without a dependency.
 */

type Labels = Readonly<Record<string, string>>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${keys.map((k) => `${k}="${esc(labels[k] ?? '')}"`).join(',')}}`;
}

function withLabel(key: string, name: string, value: string): string {
  const extra = `${name}="${value}"`;
  return key === '' ? `{${extra}}` : `${key.slice(0, -1)},${extra}}`;
}

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** A monotonically increasing count. */
export class Counter {
  readonly #values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}

  /** Adds `by` (default 1, must be >= 0). */
  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new RangeError(`counter ${this.name} cannot decrease (inc by ${by})`);
    const key = labelKey(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  /** The current value for `labels`. */
  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.#values.size === 0) lines.push(`${this.name} 0`);
    for (const [key, v] of this.#values) lines.push(`${this.name}${key} ${formatNumber(v)}`);
    return lines.join('\n');
  }
}

/** A value that goes up and down. */
export class Gauge {
  readonly #values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}

  set(value: number, labels: Labels = {}): void {
    this.#values.set(labelKey(labels), value);
  }

  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    if (this.#values.size === 0) lines.push(`${this.name} 0`);
    for (const [key, v] of this.#values) lines.push(`${this.name}${key} ${formatNumber(v)}`);
    return lines.join('\n');
  }
}

/** Quantiles over the last `window` observations, plus the all-time sum and count. */
export class Summary {
  readonly #series = new Map<string, { ring: number[]; next: number; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly window = 512) {}

  observe(value: number, labels: Labels = {}): void {
    const key = labelKey(labels);
    let s = this.#series.get(key);
    if (s === undefined) {
      s = { ring: [], next: 0, sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    if (s.ring.length < this.window) s.ring.push(value);
    else s.ring[s.next] = value;
    s.next = (s.next + 1) % this.window;
    s.sum += value;
    s.count += 1;
  }

  /** The q-quantile (0..1) of the recent window, or NaN with no data. */
  quantile(q: number, labels: Labels = {}): number {
    const s = this.#series.get(labelKey(labels));
    if (s === undefined || s.ring.length === 0) return NaN;
    return quantileOf(s.ring, q);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} summary`];
    for (const [key, s] of this.#series) {
      for (const q of [0.5, 0.95, 0.99]) lines.push(`${this.name}${withLabel(key, 'quantile', String(q))} ${formatNumber(quantileOf(s.ring, q))}`);
      lines.push(`${this.name}_sum${key} ${formatNumber(s.sum)}`, `${this.name}_count${key} ${s.count}`);
    }
    return lines.join('\n');
  }
}

/** Nearest-rank quantile of `values` (not modified). */
export function quantileOf(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

/** Holds the metrics of one process and renders them. */
export class MetricsRegistry {
  readonly #metrics: Array<Counter | Gauge | Summary> = [];

  counter(name: string, help: string): Counter {
    return this.#add(new Counter(name, help));
  }

  gauge(name: string, help: string): Gauge {
    return this.#add(new Gauge(name, help));
  }

  summary(name: string, help: string, window?: number): Summary {
    return this.#add(new Summary(name, help, window));
  }

  #add<M extends Counter | Gauge | Summary>(metric: M): M {
    if (this.#metrics.some((m) => m.name === metric.name)) throw new Error(`metric ${metric.name} registered twice`);
    this.#metrics.push(metric);
    return metric;
  }

  /** The Prometheus text format (content type `text/plain; version=0.0.4`). */
  render(): string {
    return `${this.#metrics.map((m) => m.render()).join('\n')}\n`;
  }
}
