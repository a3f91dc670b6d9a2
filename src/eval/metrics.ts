/**
 * Image quality metrics in the CDD-11 convention, on packed 8-bit RGB:
 * PSNR with data range 1 (= 255 on 8-bit values) over all three channels, and
 * SSIM as `skimage.metrics.structural_similarity(a, b, channel_axis=-1,
 * data_range=1)` computes it on `img / 255`: 7×7 uniform window, sample
 * covariance (N/(N-1)), K1 = 0.01, K2 = 0.03, the map averaged over valid
 * windows only (skimage crops (7-1)/2 pixels off each side), then over channels.
 * Same as `scripts/f2dnet/metrics.py`.
 */

/** An 8-bit RGB picture (packed, rows top first). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Side of the SSIM window. */
export const SSIM_WINDOW = 7;
const K1 = 0.01;
const K2 = 0.03;

function checkPair(a: RgbImage, b: RgbImage, minSide: number): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`images differ in size: ${a.width}x${a.height} and ${b.width}x${b.height}`);
  }
  for (const im of [a, b]) {
    if (im.data.length !== im.width * im.height * 3) {
      throw new RangeError(`a ${im.width}x${im.height} RGB image needs ${im.width * im.height * 3} bytes, got ${im.data.length}`);
    }
  }
  if (a.width < minSide || a.height < minSide) {
    throw new RangeError(`images of ${a.width}x${a.height} are smaller than the ${minSide}x${minSide} SSIM window`);
  }
}

/**
 * Mean squared error on [0,1] values (all channels).
 *
 * @throws {RangeError} for sizes that differ or buffers of the wrong length
 */
export function mse(a: RgbImage, b: RgbImage): number {
  checkPair(a, b, 1);
  let sum = 0;
  const x = a.data;
  const y = b.data;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - y[i]!;
    sum += d * d;
  }
  return sum / x.length / (255 * 255);
}

/**
 * The MSE floor of `scripts/f2dnet/metrics.py` (`clamp(min=1e-10)`): identical
 * images score 100 dB instead of skimage's `inf`, so means and JSON stay finite.
 */
export const MSE_FLOOR = 1e-10;

/**
 * Peak signal-to-noise ratio in dB, data range 1 (100 dB for identical images, see {@link MSE_FLOOR}).
 *
 * @example
 * psnr(restored, clean); // 28.7
 */
export function psnr(a: RgbImage, b: RgbImage): number {
  return psnrOfMse(mse(a, b));
}

/** PSNR in dB of a mean squared error on [0,1] values, floored at {@link MSE_FLOOR}. */
function psnrOfMse(meanSquaredError: number): number {
  return 10 * Math.log10(1 / Math.max(meanSquaredError, MSE_FLOOR));
}

/** How far a picture's overall brightness and colour are from a reference's. */
export interface ToneError {
  /** Mean signed difference over all pixels and channels, in 8-bit levels (positive: brighter than the reference). */
  readonly biasLevels: number;
  /**
   * Each channel's mean signed difference, root-mean-squared over the three channels, in
   * 8-bit levels: how far the frame-wide tone is off, whichever way each channel errs (a
   * colour cast that cancels in `biasLevels` shows here). Compared with the input's, it says
   * whether a restorer's global correction helped or made the tone worse.
   */
  readonly rmsLevels: number;
  /** PSNR (dB) once each channel's mean is moved to the reference's: what the picture would score with the right overall tone. */
  readonly psnrWithReferenceMeans: number;
}

/**
 * The share of `a`'s error against `reference` that is one frame-wide shift per
 * channel. A restorer that leaves a veil of rain or haze, or guesses a dark
 * scene's exposure wrong, loses most of its PSNR here while its structure is
 * right; `psnrWithReferenceMeans` far above {@link psnr} says so. Shifting a
 * channel by its mean difference d removes exactly d² from its mean squared
 * error, so no clamping or second pass is needed.
 *
 * @throws {RangeError} for sizes that differ or buffers of the wrong length
 */
export function toneError(a: RgbImage, reference: RgbImage): ToneError {
  checkPair(a, reference, 1);
  const sum = [0, 0, 0];
  const squares = [0, 0, 0];
  const x = a.data;
  const y = reference.data;
  for (let i = 0; i < x.length; i += 3) {
    for (let c = 0; c < 3; c++) {
      const d = x[i + c]! - y[i + c]!;
      sum[c]! += d;
      squares[c]! += d * d;
    }
  }
  const pixels = x.length / 3;
  let shiftedMse = 0;
  let squaredMeans = 0;
  for (let c = 0; c < 3; c++) {
    const mean = sum[c]! / pixels;
    shiftedMse += Math.max(0, squares[c]! / pixels - mean * mean) / 3;
    squaredMeans += (mean * mean) / 3;
  }
  return {
    biasLevels: (sum[0]! + sum[1]! + sum[2]!) / x.length,
    rmsLevels: Math.sqrt(squaredMeans),
    psnrWithReferenceMeans: psnrOfMse(shiftedMse / (255 * 255)),
  };
}

/**
 * Summed-area table of one channel (and optionally of a product of two), as exact
 * integers: 255² × pixels stays far below 2^53, so window sums carry no rounding.
 */
function integral(w: number, h: number, value: (i: number) => number): Float64Array {
  const s = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += value(y * w + x);
      s[(y + 1) * (w + 1) + x + 1] = s[y * (w + 1) + x + 1]! + row;
    }
  }
  return s;
}

/**
 * Structural similarity (mean over valid 7×7 windows and the three channels).
 *
 * @throws {RangeError} for sizes that differ, buffers of the wrong length, or images under 7×7
 * @example
 * ssim(restored, clean); // 0.884
 */
export function ssim(a: RgbImage, b: RgbImage): number {
  checkPair(a, b, SSIM_WINDOW);
  const { width: w, height: h } = a;
  const n = SSIM_WINDOW * SSIM_WINDOW;
  const covNorm = n / (n - 1);
  const c1 = K1 * K1;
  const c2 = K2 * K2;
  const x = a.data;
  const y = b.data;
  const stride = w + 1;
  let total = 0;
  for (let c = 0; c < 3; c++) {
    const sx = integral(w, h, (i) => x[i * 3 + c]!);
    const sy = integral(w, h, (i) => y[i * 3 + c]!);
    const sxx = integral(w, h, (i) => x[i * 3 + c]! * x[i * 3 + c]!);
    const syy = integral(w, h, (i) => y[i * 3 + c]! * y[i * 3 + c]!);
    const sxy = integral(w, h, (i) => x[i * 3 + c]! * y[i * 3 + c]!);
    const box = (s: Float64Array, top: number, left: number): number => {
      const t = top * stride + left;
      const bot = (top + SSIM_WINDOW) * stride + left;
      return s[bot + SSIM_WINDOW]! - s[bot]! - s[t + SSIM_WINDOW]! + s[t]!;
    };
    // Means and (co)variances on [0,1] values: integer window sums scaled by 1/(255·n).
    const k = 1 / (255 * n);
    const k2 = 1 / (255 * 255 * n);
    let sum = 0;
    for (let top = 0; top + SSIM_WINDOW <= h; top++) {
      for (let left = 0; left + SSIM_WINDOW <= w; left++) {
        const ux = box(sx, top, left) * k;
        const uy = box(sy, top, left) * k;
        const vx = covNorm * (box(sxx, top, left) * k2 - ux * ux);
        const vy = covNorm * (box(syy, top, left) * k2 - uy * uy);
        const vxy = covNorm * (box(sxy, top, left) * k2 - ux * uy);
        sum += ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
      }
    }
    total += sum / ((w - SSIM_WINDOW + 1) * (h - SSIM_WINDOW + 1));
  }
  return total / 3;
}
