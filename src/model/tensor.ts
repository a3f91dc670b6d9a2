/**
 * Pure frame <-> tensor helpers: padding an RGB24 frame to the model's size
 * multiple by edge replication, cropping it back, and cutting windows out of
 * frames and parser maps. Everything copies whole rows (`TypedArray.set` /
 * `copyWithin`); only the replicated right-edge columns are written per pixel.
 */

/** Rounds `n` up to a multiple of `m`. */
export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/** The padded size of a `width` x `height` frame for a model with `sizeMultiple`. */
export function paddedSize(width: number, height: number, sizeMultiple: number): { width: number; height: number } {
  return { width: roundUp(width, sizeMultiple), height: roundUp(height, sizeMultiple) };
}

/**
 * Copies a packed RGB24 frame into `dst` (a `dstW` x `dstH` RGB24 buffer, at
 * least as large), replicating the last column and the last row into the
 * extra area.
 *
 * @param src - `srcW * srcH * 3` bytes.
 * @param dst - `dstW * dstH * 3` bytes; reused between frames by the caller.
 * @example
 * padRgb(frame.data, 638, 358, buf, 640, 368);
 */
export function padRgb(src: Uint8Array, srcW: number, srcH: number, dst: Uint8Array, dstW: number, dstH: number): void {
  checkSize(src, srcW, srcH, 3, 'padRgb source');
  checkSize(dst, dstW, dstH, 3, 'padRgb destination');
  if (dstW < srcW || dstH < srcH) throw new RangeError(`padRgb: ${dstW}x${dstH} is smaller than ${srcW}x${srcH}`);
  const srcRow = srcW * 3;
  const dstRow = dstW * 3;
  for (let y = 0; y < srcH; y++) {
    const o = y * dstRow;
    dst.set(src.subarray(y * srcRow, (y + 1) * srcRow), o);
    if (dstW > srcW) {
      // Replicate the last pixel once, then double the filled run with copyWithin.
      const last = o + srcRow - 3;
      let filled = srcRow + 3;
      dst[o + srcRow] = dst[last]!;
      dst[o + srcRow + 1] = dst[last + 1]!;
      dst[o + srcRow + 2] = dst[last + 2]!;
      while (filled < dstRow) {
        const n = Math.min(filled - srcRow, dstRow - filled);
        dst.copyWithin(o + filled, o + srcRow, o + srcRow + n);
        filled += n;
      }
    }
  }
  const lastRow = (srcH - 1) * dstRow;
  for (let y = srcH; y < dstH; y++) dst.copyWithin(y * dstRow, lastRow, lastRow + dstRow);
}

/**
 * Copies the `w` x `h` window at (`x`, `y`) of an interleaved image with
 * `channels` bytes per pixel into `dst` (packed `w * h * channels`).
 */
export function cropInterleaved<T extends Uint8Array | Float32Array>(
  src: T,
  srcW: number,
  srcH: number,
  channels: number,
  x: number,
  y: number,
  w: number,
  h: number,
  dst: T,
): T {
  checkSize(src, srcW, srcH, channels, 'crop source');
  checkSize(dst, w, h, channels, 'crop destination');
  checkWindow(srcW, srcH, x, y, w, h);
  const srcRow = srcW * channels;
  const row = w * channels;
  if (x === 0 && w === srcW) {
    dst.set(src.subarray(y * srcRow, (y + h) * srcRow));
    return dst;
  }
  for (let r = 0; r < h; r++) {
    const s = (y + r) * srcRow + x * channels;
    dst.set(src.subarray(s, s + row), r * row);
  }
  return dst;
}

/** Crops a packed RGB24 frame to its top-left `w` x `h` (undoes {@link padRgb}). */
export function cropRgb(src: Uint8Array, srcW: number, srcH: number, w: number, h: number, dst: Uint8Array): Uint8Array {
  return cropInterleaved(src, srcW, srcH, 3, 0, 0, w, h, dst);
}

/**
 * Copies the `w` x `h` window at (`x`, `y`) of planar `[c, srcH, srcW]` data
 * (parser maps) into `dst` (`[c, h, w]`).
 */
export function cropPlanar(
  src: Float32Array,
  channels: number,
  srcW: number,
  srcH: number,
  x: number,
  y: number,
  w: number,
  h: number,
  dst: Float32Array,
): Float32Array {
  checkSize(src, srcW, srcH, channels, 'cropPlanar source');
  checkSize(dst, w, h, channels, 'cropPlanar destination');
  checkWindow(srcW, srcH, x, y, w, h);
  for (let c = 0; c < channels; c++) {
    const plane = c * srcW * srcH;
    for (let r = 0; r < h; r++) {
      const s = plane + (y + r) * srcW + x;
      dst.set(src.subarray(s, s + w), (c * h + r) * w);
    }
  }
  return dst;
}

/**
 * Writes a `w` x `h` interleaved block `src` into `dst` (`dstW` wide) at
 * (`x`, `y`), taking the block's sub-window starting at (`sx`, `sy`) of size
 * `cw` x `ch`. Used to paste the kept part of a restored tile.
 */
export function pasteInterleaved(
  src: Uint8Array,
  w: number,
  channels: number,
  sx: number,
  sy: number,
  cw: number,
  ch: number,
  dst: Uint8Array,
  dstW: number,
  x: number,
  y: number,
): void {
  const srcRow = w * channels;
  const dstRow = dstW * channels;
  const n = cw * channels;
  for (let r = 0; r < ch; r++) {
    const s = (sy + r) * srcRow + sx * channels;
    dst.set(src.subarray(s, s + n), (y + r) * dstRow + x * channels);
  }
}

function checkSize(a: ArrayLike<number>, w: number, h: number, c: number, what: string): void {
  if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0) {
    throw new RangeError(`${what}: size ${w}x${h} must be positive integers`);
  }
  if (a.length < w * h * c) throw new RangeError(`${what}: ${a.length} elements, ${w}x${h}x${c} needs ${w * h * c}`);
}

function checkWindow(srcW: number, srcH: number, x: number, y: number, w: number, h: number): void {
  if (x < 0 || y < 0 || x + w > srcW || y + h > srcH) {
    throw new RangeError(`window ${w}x${h} at (${x},${y}) lies outside ${srcW}x${srcH}`);
  }
}
