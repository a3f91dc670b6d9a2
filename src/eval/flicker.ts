/**
 * Temporal stability of a restored clip (issue 9, item 6): how much the luma of
 * pixels where the scene does not move changes from one frame to the next, in
 * the degraded input and in the restored output. A restorer that treats video
 * as a stack of photos makes static regions shimmer; one that uses time would
 * calm them. The figure is the mean absolute frame-to-frame luma difference on
 * static pixels (8-bit levels), and the ratio output ÷ input (above 1 = the
 * restoration adds flicker).
 *
 * Which pixels are static is decided on a reference clip, the same mask for
 * input and output so the two figures count the same pixels: the clean clip
 * when there is one (the scene alone moves there), else the temporal median of
 * the input's last few frames (rain, snow and noise are fresh every frame and
 * the median drops them; a scene that moves moves the median too). Measured on
 * the demo clip, the input's own consecutive frames differ by a median 3–15
 * levels in almost every 16-pixel block under dense synthetic rain, so the
 * input itself cannot say what is static. The test is made on block means
 * (what is left of the weather, noise and codec grain averages out over a
 * block; a moving object does not), and a block counts only when its eight
 * neighbours are static too, so the edges of moving things stay out.
 */
import type { RgbImage } from './metrics.js';

/** How static pixels are found. */
export interface FlickerOptions {
  /** Side of the blocks whose mean luma is compared between consecutive reference frames. */
  readonly block: number;
  /** A block is static when its mean luma changes by less than this many 8-bit levels. */
  readonly threshold: number;
  /** Frames in the temporal median that stands in for the clean clip when there is none. */
  readonly window: number;
}

/**
 * 16-pixel blocks average a rain or snow layer well enough that it rarely exceeds
 * 3 levels, while a person or car crossing a block moves its mean by tens of levels.
 */
export const DEFAULT_FLICKER_OPTIONS: FlickerOptions = { block: 16, threshold: 3, window: 5 };

/** One consecutive pair of frames. */
export interface FlickerPair {
  /** Index of the later frame of the pair. */
  readonly frame: number;
  /** Share of the pixels counted as static. */
  readonly staticShare: number;
  /** Mean |ΔY| over the static pixels (8-bit levels); 0 when none is static. */
  readonly input: number;
  readonly output: number;
}

/** The clip's figures: means over every static pixel of every pair. */
export interface FlickerResult {
  /** `reference`: static pixels from the clean clip; `input-median`: from the temporal median of the input (no clean clip). */
  readonly mask: 'reference' | 'input-median';
  readonly options: FlickerOptions;
  readonly pairs: number;
  /** Static pixels ÷ all pixels, over every pair. */
  readonly staticShare: number;
  /** Mean |ΔY| of the input on static pixels, 8-bit levels. */
  readonly input: number;
  readonly output: number;
  /** The clean clip's own flicker on the same pixels (codec grain, light), when there is one. */
  readonly reference: number | null;
  /** output ÷ input; null when the input does not flicker at all. */
  readonly ratio: number | null;
  readonly perPair: readonly FlickerPair[];
}

/** BT.601 luma of packed 8-bit RGB, in 8-bit levels. */
export function luma(image: RgbImage): Float32Array {
  const n = image.width * image.height;
  const y = new Float32Array(n);
  const d = image.data;
  for (let i = 0; i < n; i++) y[i] = 0.299 * d[i * 3]! + 0.587 * d[i * 3 + 1]! + 0.114 * d[i * 3 + 2]!;
  return y;
}

function blockMeans(y: Float32Array, width: number, height: number, block: number): Float64Array {
  const bw = Math.ceil(width / block);
  const bh = Math.ceil(height / block);
  const sums = new Float64Array(bw * bh);
  const counts = new Float64Array(bw * bh);
  for (let r = 0; r < height; r++) {
    const br = Math.floor(r / block) * bw;
    for (let c = 0; c < width; c++) {
      const b = br + Math.floor(c / block);
      sums[b]! += y[r * width + c]!;
      counts[b]! += 1;
    }
  }
  for (let b = 0; b < sums.length; b++) sums[b] = sums[b]! / counts[b]!;
  return sums;
}

/**
 * The static pixels between two reference frames, as a per-pixel 0/1 mask:
 * blocks whose mean luma moved less than the threshold, eroded by one block.
 */
export function staticMask(prev: Float32Array, next: Float32Array, width: number, height: number, options: FlickerOptions = DEFAULT_FLICKER_OPTIONS): Uint8Array {
  const { block, threshold } = options;
  const bw = Math.ceil(width / block);
  const bh = Math.ceil(height / block);
  const a = blockMeans(prev, width, height, block);
  const b = blockMeans(next, width, height, block);
  const still = new Uint8Array(bw * bh);
  for (let i = 0; i < still.length; i++) still[i] = Math.abs(a[i]! - b[i]!) < threshold ? 1 : 0;
  const eroded = new Uint8Array(bw * bh);
  for (let r = 0; r < bh; r++) {
    for (let c = 0; c < bw; c++) {
      let ok = 1;
      for (let dr = -1; dr <= 1 && ok; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr;
          const cc = c + dc;
          // Outside the frame counts as static: border blocks have no neighbour there.
          if (rr >= 0 && rr < bh && cc >= 0 && cc < bw && still[rr * bw + cc] === 0) {
            ok = 0;
            break;
          }
        }
      }
      eroded[r * bw + c] = ok;
    }
  }
  const mask = new Uint8Array(width * height);
  for (let r = 0; r < height; r++) {
    const br = Math.floor(r / block) * bw;
    for (let c = 0; c < width; c++) mask[r * width + c] = eroded[br + Math.floor(c / block)]!;
  }
  return mask;
}

/** The per-pixel median of the frames (the mean of the middle two for an even count). */
export function temporalMedian(frames: readonly Float32Array[]): Float32Array {
  const n = frames.length;
  const out = new Float32Array(frames[0]!.length);
  const v = new Float32Array(n);
  for (let i = 0; i < out.length; i++) {
    for (let k = 0; k < n; k++) {
      // Insertion sort: a handful of values per pixel.
      const x = frames[k]![i]!;
      let j = k - 1;
      while (j >= 0 && v[j]! > x) {
        v[j + 1] = v[j]!;
        j--;
      }
      v[j + 1] = x;
    }
    out[i] = n % 2 === 1 ? v[n >> 1]! : (v[n / 2 - 1]! + v[n / 2]!) / 2;
  }
  return out;
}

function meanAbsDiff(a: Float32Array, b: Float32Array, mask: Uint8Array): { sum: number; count: number } {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0) continue;
    sum += Math.abs(a[i]! - b[i]!);
    count++;
  }
  return { sum, count };
}

interface Lumas {
  readonly input: Float32Array;
  readonly output: Float32Array;
  /** What the static mask is computed on: the clean frame, or the input's temporal median. */
  readonly still: Float32Array;
  readonly reference: Float32Array | null;
}

/**
 * Accumulates the flicker of a clip frame by frame (nothing but the previous
 * frame's luma is kept, so clips of any length fit).
 *
 * @example
 * const meter = new FlickerMeter();
 * for (const f of frames) meter.add(f.degraded, f.restored, f.clean);
 * meter.result().ratio; // 0.8: the restoration calms static regions
 */
export class FlickerMeter {
  private prev: Lumas | null = null;
  private width = 0;
  private height = 0;
  private frames = 0;
  private readonly perPair: FlickerPair[] = [];
  private sums = { input: 0, output: 0, reference: 0, count: 0, pixels: 0 };
  private withReference: boolean | null = null;
  /** The input's last `window` lumas, for the median when there is no clean clip. */
  private readonly recent: Float32Array[] = [];

  constructor(readonly options: FlickerOptions = DEFAULT_FLICKER_OPTIONS) {}

  /**
   * Adds the next frame: the input the restorer saw, its output, and the clean
   * frame when the clip was degraded here (give it for every frame or for none).
   *
   * @throws {RangeError} for frames of another size, or a reference on some frames only
   */
  add(input: RgbImage, output: RgbImage, reference?: RgbImage): void {
    const hasRef = reference !== undefined;
    if (this.withReference === null) {
      this.withReference = hasRef;
      this.width = input.width;
      this.height = input.height;
    } else if (this.withReference !== hasRef) {
      throw new RangeError('FlickerMeter: give a reference frame with every frame or with none');
    }
    for (const im of [input, output, ...(reference ? [reference] : [])]) {
      if (im.width !== this.width || im.height !== this.height) {
        throw new RangeError(`FlickerMeter: a ${im.width}x${im.height} frame in a ${this.width}x${this.height} clip`);
      }
    }
    const inputLuma = luma(input);
    const refLuma = reference ? luma(reference) : null;
    let still = refLuma;
    if (still === null) {
      this.recent.push(inputLuma);
      if (this.recent.length > this.options.window) this.recent.shift();
      still = temporalMedian(this.recent);
    }
    const next: Lumas = { input: inputLuma, output: luma(output), still, reference: refLuma };
    const prev = this.prev;
    if (prev !== null) {
      const mask = staticMask(prev.still, next.still, this.width, this.height, this.options);
      const i = meanAbsDiff(prev.input, next.input, mask);
      const o = meanAbsDiff(prev.output, next.output, mask);
      const r = prev.reference && next.reference ? meanAbsDiff(prev.reference, next.reference, mask).sum : 0;
      this.sums.input += i.sum;
      this.sums.output += o.sum;
      this.sums.reference += r;
      this.sums.count += i.count;
      this.sums.pixels += mask.length;
      this.perPair.push({
        frame: this.frames,
        staticShare: i.count / mask.length,
        input: i.count > 0 ? i.sum / i.count : 0,
        output: i.count > 0 ? o.sum / i.count : 0,
      });
    }
    this.prev = next;
    this.frames++;
  }

  /**
   * The figures so far.
   *
   * @throws {RangeError} before two frames were added
   */
  result(): FlickerResult {
    if (this.perPair.length === 0) throw new RangeError('FlickerMeter: flicker needs at least two frames');
    const { input, output, reference, count, pixels } = this.sums;
    const mean = (s: number): number => (count > 0 ? s / count : 0);
    return {
      mask: this.withReference ? 'reference' : 'input-median',
      options: this.options,
      pairs: this.perPair.length,
      staticShare: count / pixels,
      input: mean(input),
      output: mean(output),
      reference: this.withReference ? mean(reference) : null,
      ratio: count > 0 && input > 0 ? output / input : null,
      perPair: this.perPair,
    };
  }
}
