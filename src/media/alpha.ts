/**
 * Transparency of still images. The model restores RGB only; a picture's
 * alpha plane is carried around it unchanged and joined back to the restored
 * RGB for the formats that hold it (png, webp). Pure: no node-av.
 */
import type { RgbFrame } from '../frame.js';
import type { ImageFormat } from './formats.js';

/** An alpha plane: `width * height` bytes, 0 transparent .. 255 opaque, rows packed. */
export type AlphaPlane = Uint8Array;

/**
 * Whether a decoded pixel format (FFmpeg's name) may carry transparency: the
 * formats with an alpha component (rgba, ya8, yuva420p, gbrap…) and palettes (pal8,
 * whose entries may be transparent).
 */
export function mayHaveAlpha(pixelFormat: string): boolean {
  return /^(rgba|bgra|argb|abgr|ya\d|yuva|gbrap|pal8)/.test(pixelFormat);
}

/** Packed RGBA split into RGB and alpha (new buffers). */
export function splitRgba(rgba: Uint8Array, width: number, height: number): { rgb: RgbFrame; alpha: AlphaPlane } {
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  const alpha = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    rgb[i * 3] = rgba[i * 4]!;
    rgb[i * 3 + 1] = rgba[i * 4 + 1]!;
    rgb[i * 3 + 2] = rgba[i * 4 + 2]!;
    alpha[i] = rgba[i * 4 + 3]!;
  }
  return { rgb: { width, height, data: rgb }, alpha };
}

/** RGB and an alpha plane of the same size joined as packed RGBA (a new buffer). */
export function joinRgba(rgb: RgbFrame, alpha: AlphaPlane): Uint8Array {
  const n = rgb.width * rgb.height;
  if (alpha.length !== n) throw new RangeError(`alpha plane of ${alpha.length} bytes for a ${rgb.width}x${rgb.height} picture`);
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = rgb.data[i * 3]!;
    rgba[i * 4 + 1] = rgb.data[i * 3 + 1]!;
    rgba[i * 4 + 2] = rgb.data[i * 3 + 2]!;
    rgba[i * 4 + 3] = alpha[i]!;
  }
  return rgba;
}

/** `true` when every pixel is opaque (a palette image without transparent entries). */
export function isOpaque(alpha: AlphaPlane): boolean {
  return alpha.every((a) => a === 255);
}

/** Whether the format can store an alpha plane (jpeg cannot). */
export function formatKeepsAlpha(format: ImageFormat): boolean {
  return format === 'png' || format === 'webp';
}
