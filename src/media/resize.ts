/**
 * Cropping and resizing RGB24 pictures with swscale (the benchmark's fixed-size
 * crops of photos of any size).
 */
import { Scaler } from 'node-av';
import { F2dError } from '../errors.js';
import type { RgbFrame } from '../frame.js';
import { reason } from './av-errors.js';
import { avFrameOfRgb } from './rgb-convert.js';

/** A rectangle in source pixels. */
export interface PixelRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Cuts `crop` out of `image` and scales it to `width`×`height` (swscale's
 * bilinear filter, which widens with the ratio when it shrinks, so a downscale
 * is antialiased). Returns a new packed RGB24 buffer.
 *
 * @throws {F2dError} ERR_MEDIA_RESIZE when the rectangle leaves the picture or swscale fails
 * @example
 * const small = cropResizeRgb(photo, { x: 0, y: 0, width: photo.width, height: photo.height }, 512, 384);
 */
export function cropResizeRgb(image: RgbFrame, crop: PixelRect, width: number, height: number): RgbFrame {
  const inside =
    crop.x >= 0 && crop.y >= 0 && crop.width > 0 && crop.height > 0 && crop.x + crop.width <= image.width && crop.y + crop.height <= image.height;
  if (!inside || !(width > 0 && height > 0) || image.data.length !== image.width * image.height * 3) {
    throw new F2dError(
      'ERR_MEDIA_RESIZE',
      'internal',
      `cannot cut ${crop.width}x${crop.height}+${crop.x}+${crop.y} out of a ${image.width}x${image.height} picture (${image.data.length} bytes) and scale it to ${width}x${height}`,
    );
  }
  const frame = avFrameOfRgb(image);
  try {
    using scaler = new Scaler();
    const data = scaler.toBufferSync(frame, { crop: { ...crop }, resize: { width, height }, format: 'rgb' });
    return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (cause) {
    throw new F2dError('ERR_MEDIA_RESIZE', 'internal', `swscale could not scale ${crop.width}x${crop.height} to ${width}x${height}: ${reason(cause)}`, {
      cause,
    });
  } finally {
    frame.free();
  }
}
