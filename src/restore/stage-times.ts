/** Per-stage time accounting for the `--json` summary. */
import { performance } from 'node:perf_hooks';

export class StageTimes {
  private readonly totals = new Map<string, number>();

  /** Adds `ms` to `stage`. */
  add(stage: string, ms: number): void {
    this.totals.set(stage, (this.totals.get(stage) ?? 0) + ms);
  }

  /** Adds every entry of a per-frame timing record (e.g. a restorer's), prefixed. */
  addAll(timings: Readonly<Record<string, number>>, prefix: string): void {
    for (const [k, v] of Object.entries(timings)) this.add(`${prefix}${k}`, v);
  }

  /** Runs `fn`, adding its wall time to `stage`. */
  time<T>(stage: string, fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.add(stage, performance.now() - t0);
    }
  }

  /** Like {@link time} for a promise. */
  async timeAsync<T>(stage: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.add(stage, performance.now() - t0);
    }
  }

  /** Totals rounded to 0.1 ms. */
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.totals].map(([k, v]) => [k, Math.round(v * 10) / 10]));
  }
}
