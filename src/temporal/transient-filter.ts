/**
 * Removes what the model left of rain and snow where the scene holds still,
 * using the frames before: streaks and flakes move, a wall does not.
 *
 * The model restores each frame alone. On a fixed camera its leftovers show
 * as bright specks and streaks at new places every frame (most of the flicker
 * of a restored rainy clip). Per pixel, the median luma of this frame and the
 * last four is what the scene looks like there, without them; where the
 * picture holds still, a pixel brighter than that median is brought down to
 * it (only down: rain and snow brighten, and a dark moving thing is never
 * touched), by at most 32 levels (what the model leaves is faint; a bright
 * thing the motion test missed is dimmed, not erased).
 *
 * What moves is told from what rains by its size. The change against the
 * median of the earlier frames is eroded over a 7×7 window: a streak or a
 * small flake (a few pixels across) vanishes, a person, a car or a panning
 * view stays, and the region that stays, widened by 12 pixels, is left as the
 * model made it. On a moving dashcam that is nearly all of the frame, so the
 * filter mostly stands aside there; a big near snowflake also counts as
 * moving and is left to the model.
 *
 * It is for frames with weather in them: on a clean clip it only costs
 * (noise and missed motion lowered, about 1 dB on the street clip), so the
 * callers ask for it only while the parser sees rain or snow
 * ({@link weatherToFilter}); the history is kept either way.
 *
 * Measured on the fixed street camera of the test fixtures with both
 * synthesisers (`f2d eval --clip --weather`; README, "Rain and snow on a still
 * camera"), after trying the steps on a NumPy model first: an oracle motion
 * mask gains 2.3 dB on rain, and a motion test on block means fails there
 * (rain moves a block's mean more than a walking person does).
 */
import { FACTORS } from '../factors.js';
import type { RgbFrame } from '../frame.js';

export interface TransientFilterOptions {
  /** Earlier frames kept (2–8); the median is over these and the current one. */
  readonly history?: number;
  /** A change against the earlier frames' median above this many luma levels, over a whole erosion window, is motion. */
  readonly motionThreshold?: number;
  /** Half-width of the erosion window: changes narrower than 2r+1 pixels are weather, not motion. */
  readonly erosionRadius?: number;
  /** How far around detected motion the picture is left alone, in pixels. */
  readonly motionMargin?: number;
  /** Most a pixel is lowered, in luma levels. */
  readonly maxLowering?: number;
}

/** What one {@link TransientFilter.apply} did. */
export interface TransientStats {
  /** Share of the frame's pixels that were lowered (0 while the history fills). */
  readonly cleanedShare: number;
  /** Share of pixels judged still (0 while the history fills). */
  readonly stillShare: number;
}

/** Earlier frames needed before anything is changed. */
const MIN_HISTORY = 2;

export class TransientFilter {
  readonly #history: Uint8Array[] = [];
  readonly #size: number;
  readonly #threshold: number;
  readonly #radius: number;
  readonly #margin: number;
  readonly #cap: number;
  #width = 0;
  #height = 0;
  // scratch, one per pixel, reused frame to frame
  #change = new Uint8Array(0);
  #median = new Uint8Array(0);
  #moving = new Uint8Array(0);
  #scratch = new Uint8Array(0);

  constructor(options: TransientFilterOptions = {}) {
    this.#size = Math.min(8, Math.max(MIN_HISTORY, Math.round(options.history ?? 4)));
    this.#threshold = options.motionThreshold ?? 12;
    this.#radius = options.erosionRadius ?? 3;
    this.#margin = options.motionMargin ?? 12;
    this.#cap = options.maxLowering ?? 32;
  }

  /** Forget the earlier frames (a scene cut, a new file or segment). */
  reset(): void {
    this.#history.length = 0;
  }

  /**
   * Lowers the weather left in `frame` (changed in place) when `lower`, and remembers the frame
   * as it came either way, so the filter is ready the moment weather is seen.
   */
  apply(frame: RgbFrame, lower = true): TransientStats {
    const { width, height, data } = frame;
    if (width !== this.#width || height !== this.#height) this.#resize(width, height);
    const luma = this.#history.length >= this.#size ? this.#history.shift()! : new Uint8Array(width * height);
    toLuma(data, luma);
    let stats: TransientStats = { cleanedShare: 0, stillShare: 0 };
    if (lower && this.#history.length >= MIN_HISTORY) stats = this.#clean(data, luma);
    this.#history.push(luma);
    return stats;
  }

  #resize(width: number, height: number): void {
    this.#width = width;
    this.#height = height;
    const n = width * height;
    this.#change = new Uint8Array(n);
    this.#median = new Uint8Array(n);
    this.#moving = new Uint8Array(n);
    this.#scratch = new Uint8Array(n);
    this.reset();
  }

  #clean(data: Uint8Array, luma: Uint8Array): TransientStats {
    const width = this.#width;
    const height = this.#height;
    medians(luma, this.#history, this.#change, this.#median);
    // motion: a change over the threshold that survives an erosion, widened by the margin
    const moving = this.#moving;
    for (let p = 0; p < moving.length; p++) moving[p] = this.#change[p]! > this.#threshold ? 1 : 0;
    erode(moving, width, height, this.#radius, this.#scratch);
    dilate(moving, width, height, this.#margin, this.#scratch);
    let cleaned = 0;
    let still = 0;
    const median = this.#median;
    for (let p = 0, o = 0; p < moving.length; p++, o += 3) {
      if (moving[p]) continue;
      still++;
      const excess = Math.min(this.#cap, luma[p]! - median[p]!);
      if (excess <= 0) continue;
      data[o] = Math.max(0, data[o]! - excess);
      data[o + 1] = Math.max(0, data[o + 1]! - excess);
      data[o + 2] = Math.max(0, data[o + 2]! - excess);
      cleaned++;
    }
    return { cleanedShare: cleaned / moving.length, stillShare: still / moving.length };
  }
}

/** Parser weights at or above this for rain or snow turn the filter on. */
export const WEATHER_TO_FILTER = 0.5;

/** Whether the parser's weights (`low, haze, rain, snow`) call for the filter: rain or snow at {@link WEATHER_TO_FILTER} or more. */
export function weatherToFilter(weights: readonly number[] | null | undefined): boolean {
  if (!weights) return false;
  return Math.max(weights[FACTORS.indexOf('rain')] ?? 0, weights[FACTORS.indexOf('snow')] ?? 0) >= WEATHER_TO_FILTER;
}

/** BT.601 luma in integer arithmetic (weights 77, 150, 29 of 256). */
export function toLuma(rgb: Uint8Array, out: Uint8Array): void {
  for (let p = 0, o = 0; p < out.length; p++, o += 3) {
    out[p] = (77 * rgb[o]! + 150 * rgb[o + 1]! + 29 * rgb[o + 2]!) >> 8;
  }
}

/**
 * Per pixel: `change` = |luma − median of the history| (the earlier frames: what moved since),
 * `median` = the median of the history and luma together (what the scene is without transients).
 * A median of an even count is the mean of the middle two, rounded.
 */
export function medians(luma: Uint8Array, history: readonly Uint8Array[], change: Uint8Array, median: Uint8Array): void {
  const n = history.length;
  if (n === 4) {
    mediansOfFour(luma, history, change, median);
    return;
  }
  const sorted = new Int32Array(n + 1);
  for (let p = 0; p < luma.length; p++) {
    for (let i = 0; i < n; i++) insert(sorted, i, history[i]![p]!);
    const earlier = n % 2 === 1 ? sorted[n >> 1]! : (sorted[(n >> 1) - 1]! + sorted[n >> 1]! + 1) >> 1;
    const v = luma[p]!;
    change[p] = v > earlier ? v - earlier : earlier - v;
    insert(sorted, n, v);
    const m = n + 1;
    median[p] = m % 2 === 1 ? sorted[m >> 1]! : (sorted[(m >> 1) - 1]! + sorted[m >> 1]! + 1) >> 1;
  }
}

/**
 * {@link medians} for the default four earlier frames, with no sorting: of two sorted pairs,
 * the middle two of all four are the larger of the two minima and the smaller of the two maxima,
 * and the median of those four and one more value is that value clamped between them.
 */
function mediansOfFour(luma: Uint8Array, history: readonly Uint8Array[], change: Uint8Array, median: Uint8Array): void {
  const [h0, h1, h2, h3] = history as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  for (let p = 0; p < luma.length; p++) {
    const a = h0[p]!;
    const b = h1[p]!;
    const c = h2[p]!;
    const d = h3[p]!;
    const lo = Math.max(a < b ? a : b, c < d ? c : d);
    const hi = Math.min(a < b ? b : a, c < d ? d : c);
    const m1 = lo < hi ? lo : hi;
    const m2 = lo < hi ? hi : lo;
    const earlier = (m1 + m2 + 1) >> 1;
    const v = luma[p]!;
    change[p] = v > earlier ? v - earlier : earlier - v;
    median[p] = v < m1 ? m1 : v > m2 ? m2 : v;
  }
}

/** Inserts `v` into the sorted first `count` entries of `sorted` (insertion sort; counts here are at most 9). */
function insert(sorted: Int32Array, count: number, v: number): void {
  let j = count;
  while (j > 0 && sorted[j - 1]! > v) {
    sorted[j] = sorted[j - 1]!;
    j--;
  }
  sorted[j] = v;
}

/**
 * In place, for a mask of 0 and 1: 1 only where the whole (2r+1)² square around (clipped at the
 * borders) is 1 (an erosion).
 */
export function erode(mask: Uint8Array, width: number, height: number, r: number, scratch: Uint8Array): void {
  windowCounts(mask, width, height, r, scratch, true);
}

/** In place, for a mask of 0 and 1: 1 wherever a 1 lies within the (2r+1)² square around (a dilation). */
export function dilate(mask: Uint8Array, width: number, height: number, r: number, scratch: Uint8Array): void {
  windowCounts(mask, width, height, r, scratch, false);
}

/**
 * Counts the ones in each pixel's square as sliding sums, rows then columns (the columns with a
 * row of running counts, so memory is read in order), and writes 1 where the count is the
 * whole clipped window (`all`) or above zero. The cost does not grow with r.
 */
function windowCounts(mask: Uint8Array, width: number, height: number, r: number, scratch: Uint8Array, all: boolean): void {
  if (r <= 0) return;
  // rows: scratch = ones in the row segment [x - r, x + r]; or 0/1 straight away for a dilation
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let count = 0;
    for (let x = 0; x < Math.min(width, r); x++) count += mask[row + x]!;
    for (let x = 0; x < width; x++) {
      if (x + r < width) count += mask[row + x + r]!;
      const span = Math.min(width - 1, x + r) - Math.max(0, x - r) + 1;
      scratch[row + x] = all ? (count === span ? 1 : 0) : count > 0 ? 1 : 0;
      if (x - r >= 0) count -= mask[row + x - r]!;
    }
  }
  // columns: running sums over rows [y - r, y + r] of the row results
  const counts = new Int32Array(width);
  for (let y = 0; y < Math.min(height, r); y++) for (let x = 0; x < width; x++) counts[x]! += scratch[y * width + x]!;
  for (let y = 0; y < height; y++) {
    const add = y + r < height ? (y + r) * width : -1;
    if (add >= 0) for (let x = 0; x < width; x++) counts[x]! += scratch[add + x]!;
    const span = Math.min(height - 1, y + r) - Math.max(0, y - r) + 1;
    const row = y * width;
    for (let x = 0; x < width; x++) mask[row + x] = all ? (counts[x] === span ? 1 : 0) : counts[x]! > 0 ? 1 : 0;
    const drop = y - r >= 0 ? (y - r) * width : -1;
    if (drop >= 0) for (let x = 0; x < width; x++) counts[x]! -= scratch[drop + x]!;
  }
}

