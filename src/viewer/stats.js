// @ts-check
/** Rolling figures for the stats panel: displayed fps and latency percentiles. */

/**
 * @param {number[]} values
 * @param {number} q 0..1
 */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

export class ViewerStats {
  constructor() {
    /** @type {number[]} capture-to-display latency of the last 300 drawn frames */
    this.latency = [];
    /** @type {number[]} latency samples not yet reported to the server */
    this.unreported = [];
    /** @type {number[]} local times of the frames drawn in the last second */
    this.drawTimes = [];
    this.drawn = 0;
    this.decoded = 0;
    /** frames this viewer skipped itself (decoder backlog) */
    this.skipped = 0;
  }

  /**
   * @param {number} latencyMs
   * @param {number} now local time
   */
  frameDrawn(latencyMs, now) {
    this.drawn += 1;
    this.drawTimes.push(now);
    while (this.drawTimes.length > 0 && (this.drawTimes[0] ?? 0) < now - 1000) this.drawTimes.shift();
    if (Number.isFinite(latencyMs)) {
      this.latency.push(latencyMs);
      if (this.latency.length > 300) this.latency.shift();
      // A clock estimate a little off can make a very short latency negative; the server accepts >= 0.
      if (this.unreported.length < 256) this.unreported.push(Math.max(0, latencyMs));
    }
  }

  /** @param {number} now */
  fps(now) {
    return this.drawTimes.filter((t) => t >= now - 1000).length;
  }

  /** @returns {number[]} the samples since the last call */
  takeUnreported() {
    const out = this.unreported;
    this.unreported = [];
    return out;
  }
}
