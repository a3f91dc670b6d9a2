/**
 * The test-time self-ensemble (`model.ensemble`): the frame is restored as it
 * is and in transformed views, each result is mapped back, and the mean is
 * the output. The views are the two that change what the network gets wrong
 * without changing the picture: a horizontal mirror (rain and snow look the
 * same mirrored; the network's errors do not) and a shift by half of the
 * backbone's 4-pixel block, which moves the block grid the correction is made
 * on (its traces are a grid of squares, and the mean of two grids half a block
 * apart blurs them). Measured on f2d-lite in PyTorch (16 photos x 11
 * configurations of the independent synthesis): mirror +0.12 dB, shift +0.06,
 * all four +0.15 dB and +0.013 SSIM, at four times the cost.
 *
 * Pure functions on packed RGB24; the engine (`worker/f2dnet-engine.ts`) runs
 * the model on each view.
 */
import type { RgbFrame } from '../frame.js';

/** The ensemble sizes offered: 1 = the frame alone. */
export const ENSEMBLE_SIZES = [1, 2, 4] as const;
export type EnsembleSize = (typeof ENSEMBLE_SIZES)[number];

/** One view of the frame: mirrored left-right, and/or moved right and down by `shift` pixels (the new border replicates the edge). */
export interface EnsembleView {
  readonly mirror: boolean;
  readonly shift: number;
}

/** Half of the backbone's 4x4 block: the shift that moves the block grid furthest. */
export const GRID_SHIFT = 2;

const VIEWS: Readonly<Record<EnsembleSize, readonly EnsembleView[]>> = {
  1: [{ mirror: false, shift: 0 }],
  2: [
    { mirror: false, shift: 0 },
    { mirror: true, shift: 0 },
  ],
  4: [
    { mirror: false, shift: 0 },
    { mirror: true, shift: 0 },
    { mirror: false, shift: GRID_SHIFT },
    { mirror: true, shift: GRID_SHIFT },
  ],
};

/** The views an ensemble of `size` restores; the first is always the frame itself. */
export function ensembleViews(size: EnsembleSize): readonly EnsembleView[] {
  return VIEWS[size];
}

export function isEnsembleSize(n: unknown): n is EnsembleSize {
  return (ENSEMBLE_SIZES as readonly unknown[]).includes(n);
}

/** The frame as `view` shows it: `(width + shift) x (height + shift)`, a new buffer (the frame itself for the identity view). */
export function viewFrame(frame: RgbFrame, view: EnsembleView): RgbFrame {
  if (!view.mirror && view.shift === 0) return frame;
  const { width, height, data } = frame;
  const s = view.shift;
  const w = width + s;
  const h = height + s;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const srcRow = Math.max(0, y - s) * width * 3;
    const dstRow = y * w * 3;
    for (let x = 0; x < w; x++) {
      // View column x shows frame column sx: the shift moves the picture right, the mirror reverses it.
      const shifted = Math.max(0, x - s);
      const sx = view.mirror ? width - 1 - shifted : shifted;
      const i = srcRow + sx * 3;
      const o = dstRow + x * 3;
      out[o] = data[i]!;
      out[o + 1] = data[i + 1]!;
      out[o + 2] = data[i + 2]!;
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * Adds a view's restoration, mapped back to the frame's pixels, to `sum`
 * (`width * height * 3` running totals).
 *
 * @param restored - the restoration of `viewFrame(frame, view)`: `(width + shift) x (height + shift)` RGB24.
 */
export function addViewBack(sum: Uint16Array, restored: Uint8Array, width: number, height: number, view: EnsembleView): void {
  const s = view.shift;
  const w = width + s;
  if (sum.length !== width * height * 3 || restored.length !== w * (height + s) * 3) {
    throw new RangeError(`addViewBack: ${restored.length} bytes for a ${width}x${height} frame with shift ${s}`);
  }
  for (let y = 0; y < height; y++) {
    const srcRow = (y + s) * w * 3;
    const dstRow = y * width * 3;
    for (let x = 0; x < width; x++) {
      // Frame column x is view column x + s, counted from the view's right edge when mirrored.
      const vx = view.mirror ? w - 1 - x : x + s;
      const i = srcRow + vx * 3;
      const o = dstRow + x * 3;
      sum[o] = sum[o]! + restored[i]!;
      sum[o + 1] = sum[o + 1]! + restored[i + 1]!;
      sum[o + 2] = sum[o + 2]! + restored[i + 2]!;
    }
  }
}

/** The rounded mean of `count` views' totals, as RGB24. */
export function meanOfViews(sum: Uint16Array, count: number): Uint8Array {
  const out = new Uint8Array(sum.length);
  const half = count >> 1;
  for (let i = 0; i < sum.length; i++) out[i] = Math.floor((sum[i]! + half) / count);
  return out;
}
