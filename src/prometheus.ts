/**
 * A Prometheus registry of one service (prom-client), for `/metrics`.
 *
 * Each service builds its own {@link MetricsRegistry} (`f2d serve` today, a
 * queue worker tomorrow) instead of using prom-client's global registry, so two
 * services in one process (or two servers in one test) never mix their series.
 * Latencies are histograms with fixed buckets: they add up across processes
 * and scrapes, and `histogram_quantile()` gives percentiles over any window
 * (a summary's quantiles cannot be aggregated, and ours kept the last 512
 * samples forever).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Buckets (seconds) for per-frame work on a CPU: the restorer takes 20–150 ms a frame with f2d-lite. */
export const FRAME_SECONDS_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5];

/** Buckets (seconds) for capture-to-display latency: 30 ms p50 on one machine, seconds over a poor network. */
export const DISPLAY_SECONDS_BUCKETS: readonly number[] = [0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10];

/** Settings of {@link MetricsRegistry}. */
export interface MetricsRegistryOptions {
  /**
   * Also export prom-client's default Node metrics (CPU, memory, event-loop
   * lag, GC, handles) under their standard names (`process_*`, `nodejs_*`).
   * Default `true`; tests that build many registries may turn it off.
   */
  readonly processMetrics?: boolean;
  /** Labels added to every series, e.g. `{ service: 'serve' }`. */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The metrics of one service. Make metrics with {@link counter}, {@link gauge}
 * and {@link histogram}; serve {@link render} with {@link contentType}.
 *
 * @example
 * const metrics = new MetricsRegistry();
 * const jobs = metrics.counter('f2d_jobs_total', 'Jobs finished, by result', ['result']);
 * jobs.inc({ result: 'ok' });
 * res.setHeader('content-type', metrics.contentType);
 * res.end(await metrics.render());
 */
export class MetricsRegistry {
  /** The prom-client registry (for anything this wrapper does not cover). */
  readonly registry = new Registry();

  constructor(options: MetricsRegistryOptions = {}) {
    if (options.labels !== undefined) this.registry.setDefaultLabels({ ...options.labels });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** A count that only goes up (prom-client throws on a negative increment). */
  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /**
   * A value that goes up and down. `collect` runs before each scrape, to read a
   * value that lives elsewhere (e.g. each viewer's queued bytes).
   */
  gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], collect?: (gauge: Gauge<L>) => void): Gauge<L> {
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      ...(collect === undefined
        ? {}
        : {
            collect(this: Gauge<L>) {
              collect(this);
            },
          }),
    });
  }

  /** A distribution over fixed `buckets` (upper bounds, ascending), with `_sum` and `_count`. */
  histogram<L extends string = never>(name: string, help: string, buckets: readonly number[], labelNames: readonly L[] = []): Histogram<L> {
    return new Histogram({ name, help, buckets: [...buckets], labelNames, registers: [this.registry] });
  }

  /** The `content-type` of {@link render}'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in the Prometheus text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * The current value of one series (for tests and status lines), or
   * `undefined` when the metric or the series does not exist. For a histogram,
   * name the `_count` or `_sum` series.
   */
  async value(name: string, labels: Readonly<Record<string, string>> = {}): Promise<number | undefined> {
    const base = name.replace(/_(count|sum)$/, '');
    const metric = this.registry.getSingleMetric(name) ?? this.registry.getSingleMetric(base);
    if (metric === undefined) return undefined;
    const { values } = await metric.get();
    const wanted = Object.entries(labels);
    const match = values.find((v) => {
      const series = v as { metricName?: string; labels: Record<string, string | number | undefined> };
      if (series.metricName !== undefined && series.metricName !== name) return false;
      const keys = Object.keys(series.labels).filter((k) => series.labels[k] !== undefined);
      return keys.length === wanted.length && wanted.every(([k, val]) => String(series.labels[k]) === val);
    });
    return match?.value;
  }
}
