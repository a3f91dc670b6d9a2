/**
 * Fitting a picture into a fixed frame size: used when a video changes its
 * picture size mid-stream (an H.264 stream joined from two resolutions), since
 * the encoder, the container and the model all keep the size they opened with.
 *
 * The picture is scaled to fit keeping its shape; where its shape differs from
 * the frame's, the rest is black bars (letterbox or pillarbox). Scaling alone
 * would stretch people and cars; cropping would lose picture.
 */
import type { RgbFrame } from '../frame.js';
import { cropResizeRgb } from './resize.js';

/** Where a picture of `width`×`height` lands when fitted into `frameWidth`×`frameHeight` (centred, shape kept). */
export function fitRect(width: number, height: number, frameWidth: number, frameHeight: number): { x: number; y: number; width: number; height: number } {
  const scale = Math.min(frameWidth / width, frameHeight / height);
  const w = Math.min(frameWidth, Math.max(1, Math.round(width * scale)));
  const h = Math.min(frameHeight, Math.max(1, Math.round(height * scale)));
  return { x: Math.floor((frameWidth - w) / 2), y: Math.floor((frameHeight - h) / 2), width: w, height: h };
}

/**
 * `image` scaled to fit `width`×`height`, centred on black (a new buffer).
 *
 * @throws {F2dError} ERR_MEDIA_RESIZE when swscale fails
 * @example
 * const same = fitRgb({ width: 640, height: 360, data }, 320, 180); // a plain downscale: same shape
 */
export function fitRgb(image: RgbFrame, width: number, height: number): RgbFrame {
  const rect = fitRect(image.width, image.height, width, height);
  const scaled = cropResizeRgb(image, { x: 0, y: 0, width: image.width, height: image.height }, rect.width, rect.height);
  if (rect.width === width && rect.height === height) return scaled;
  const data = new Uint8Array(width * height * 3);
  const row = rect.width * 3;
  for (let y = 0; y < rect.height; y++) {
    data.set(scaled.data.subarray(y * row, (y + 1) * row), ((rect.y + y) * width + rect.x) * 3);
  }
  return { width, height, data };
}
