/**
 * Cheap scene-cut detection, so parser outputs reused across frames are
 * refreshed when the picture changes completely (a cut, a camera switch)
 * instead of waiting for the next `parserInterval`.
 *
 * The measure follows FFmpeg's `scdet` filter: the mean absolute difference
 * between consecutive frames as a percentage of full scale, with a cut
 * declared above a threshold (scdet's default is 10). It is computed on a
 * fixed grid of samples of the luma, so it costs the same at any resolution.
 */
import type { RgbFrame } from '../frame.js';

/** Samples per side of the grid (GRID x GRID luma samples per frame). */
const GRID = 32;

/** FFmpeg scdet's default threshold, in percent of full scale. */
export const DEFAULT_SCENE_CUT_THRESHOLD = 10;

/**
 * The luma of a GRID x GRID sampling of `frame` (BT.601 weights, integer maths).
 * Samples sit at cell centres so borders and padding do not dominate.
 */
export function lumaThumbnail<T extends Uint8Array>(frame: RgbFrame, out: T): T {
  const { width, height, data } = frame;
  for (let gy = 0; gy < GRID; gy++) {
    const y = Math.min(height - 1, Math.floor(((gy + 0.5) * height) / GRID));
    for (let gx = 0; gx < GRID; gx++) {
      const x = Math.min(width - 1, Math.floor(((gx + 0.5) * width) / GRID));
      const o = (y * width + x) * 3;
      out[gy * GRID + gx] = (77 * data[o]! + 150 * data[o + 1]! + 29 * data[o + 2]!) >> 8;
    }
  }
  return out;
}

/** Mean absolute difference of two thumbnails, in percent of full scale (0..100). */
export function thumbnailDifference(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return (sum / a.length / 255) * 100;
}

/**
 * Tracks consecutive frames and says when one starts a new scene.
 *
 * @example
 * const cuts = new SceneCutDetector();
 * const reparse = cuts.update(frame); // true on the first frame and on each cut
 */
export class SceneCutDetector {
  private prev: Uint8Array<ArrayBuffer> | undefined;
  private cur: Uint8Array<ArrayBuffer> = new Uint8Array(GRID * GRID);
  /** The last measured difference, in percent (for logs and overlays). */
  lastScore = 0;

  constructor(readonly threshold = DEFAULT_SCENE_CUT_THRESHOLD) {
    if (!(threshold > 0 && threshold <= 100)) {
      throw new RangeError(`scene-cut threshold ${threshold} must be in (0, 100] percent`);
    }
  }

  /** Records `frame`; returns `true` for the first frame and when it differs from the previous one by more than the threshold. */
  update(frame: RgbFrame): boolean {
    lumaThumbnail(frame, this.cur);
    const prev = this.prev;
    // Swap buffers: the current thumbnail becomes the previous one, no allocation per frame.
    this.prev = this.cur;
    this.cur = prev ?? new Uint8Array(GRID * GRID);
    if (prev === undefined) {
      this.lastScore = 100;
      return true;
    }
    this.lastScore = thumbnailDifference(this.prev, prev);
    return this.lastScore > this.threshold;
  }

  /** Forgets the previous frame (after a seek or a source restart). */
  reset(): void {
    this.prev = undefined;
  }
}

/**
 * One number for "how degraded is this frame": the strongest of the parser's
 * factor weights (`low, haze, rain, snow`), in [0,1].
 */
export function degradationLevel(weights: readonly number[]): number {
  return weights.reduce((m, w) => Math.max(m, w), 0);
}
