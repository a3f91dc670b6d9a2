/**
 * Still images: decode png/jpg/webp to RGB24 (and the alpha plane, when the
 * picture has one), encode RGB24 (with its alpha plane for png and webp) back
 * to the format the file name asks for.
 */
import { writeFile } from 'node:fs/promises';
import { AV_OPT_SEARCH_CHILDREN, AV_PIX_FMT_RGBA, Encoder, FF_ENCODER_LIBWEBP, Frame, Scaler, avGetPixFmtName, type AVPixelFormat, type CodecContext } from 'node-av';
import { F2dError, OutputError } from '../errors.js';
import type { RgbFrame } from '../frame.js';
import { reason } from './av-errors.js';
import { avFrameOfRgb } from './rgb-convert.js';
import { formatKeepsAlpha, isOpaque, joinRgba, mayHaveAlpha, splitRgba, type AlphaPlane } from './alpha.js';
import { imageExtensions, imageFormatOf } from './formats.js';
import { assertInputFile, openDecoder, openDemuxer, videoStreamOf } from './open-input.js';

export interface ImageWriteOptions {
  /** 1–100. */
  readonly jpegQuality: number;
  /** 0–100. */
  readonly webpQuality: number;
}

/** A decoded still: its RGB24 picture and, when it has transparency, its alpha plane. */
export interface DecodedImage {
  readonly rgb: RgbFrame;
  /** `null` when the picture is opaque (no alpha component, or a palette without transparent entries). */
  readonly alpha: AlphaPlane | null;
}

/**
 * Decodes the first picture of an image file to RGB24 (its alpha plane, if any, is left out).
 *
 * @throws {F2dError} ERR_INPUT_NOT_FOUND, ERR_INPUT_NOT_MEDIA, ERR_INPUT_UNSUPPORTED_CODEC, ERR_DECODE_IMAGE
 */
export async function readImage(path: string): Promise<RgbFrame> {
  return (await readImageWithAlpha(path)).rgb;
}

/** The picture of a decoded frame, with its alpha plane when it has transparency. */
function pictureOf(frame: Frame, scaler: Scaler): DecodedImage {
  const { width, height } = frame;
  const formatName = avGetPixFmtName(frame.format as AVPixelFormat) ?? '';
  if (!mayHaveAlpha(formatName)) return { rgb: { width, height, data: scaler.toBufferSync(frame, { format: 'rgb' }) }, alpha: null };
  const { rgb, alpha } = splitRgba(scaler.toBufferSync(frame, { format: 'rgba' }), width, height);
  // A format with an alpha component keeps it as it was; a palette only when an entry is transparent.
  const keep = !formatName.startsWith('pal8') || !isOpaque(alpha);
  return { rgb, alpha: keep ? alpha : null };
}

/**
 * Decodes the first picture of an image file to RGB24 and its alpha plane.
 *
 * @throws {F2dError} as {@link readImage}
 */
export async function readImageWithAlpha(path: string): Promise<DecodedImage> {
  await assertInputFile(path);
  const demuxer = openDemuxer(path);
  try {
    const decoder = openDecoder(videoStreamOf(demuxer, path), path);
    using scaler = new Scaler();
    try {
      for (const packet of demuxer.packetsSync()) {
        let frames: Frame[];
        try {
          frames = decoder.decodeAllSync(packet);
        } catch (cause) {
          throw new F2dError('ERR_DECODE_IMAGE', 'decode', `cannot decode the image "${path}": ${reason(cause)}`, {
            hint: 'the file is damaged or not really in the format its extension says',
            cause,
          });
        } finally {
          packet?.free();
        }
        const [first] = frames;
        try {
          if (first) return pictureOf(first, scaler);
        } finally {
          for (const f of frames) f.free();
        }
      }
    } finally {
      decoder.close();
    }
  } finally {
    demuxer.closeSync();
  }
  throw new F2dError('ERR_DECODE_IMAGE', 'decode', `"${path}" holds no picture`, {
    hint: 'the file is empty or truncated',
  });
}

/**
 * Encodes an RGB24 picture in the format named by `path`'s extension and writes it;
 * `alpha` is joined back for png and webp, and left out for jpeg (see `formatKeepsAlpha`).
 *
 * @throws {OutputError} ERR_OUTPUT_FORMAT (unknown extension), ERR_OUTPUT_WRITE
 */
export async function writeImage(path: string, image: RgbFrame, options: ImageWriteOptions, alpha: AlphaPlane | null = null): Promise<void> {
  const bytes = encodeImage(path, image, options, alpha);
  try {
    await writeFile(path, bytes);
  } catch (cause) {
    throw new OutputError('ERR_OUTPUT_WRITE', `cannot write "${path}": ${reason(cause)}`, {
      hint: 'check that the directory exists and is writable',
      cause,
    });
  }
}

/** The encoded file bytes for `image` (with `alpha` where the format holds it) in the format `path` names. */
export function encodeImage(path: string, image: RgbFrame, options: ImageWriteOptions, alpha: AlphaPlane | null = null): Buffer {
  const format = imageFormatOf(path);
  if (!format) {
    throw new OutputError('ERR_OUTPUT_FORMAT', `"${path}" does not end in an image extension`, {
      hint: `name the output with one of ${imageExtensions().join(', ')}`,
    });
  }
  const withAlpha = alpha !== null && formatKeepsAlpha(format);
  const frame = withAlpha ? avFrameOfRgba(image, alpha) : avFrameOfRgb(image);
  try {
    using scaler = new Scaler();
    if (format === 'png') return scaler.toPngSync(frame, { format: withAlpha ? 'rgba' : 'rgb' });
    if (format === 'jpeg') return scaler.toJpegSync(frame, { quality: options.jpegQuality });
    const configure = (ctx: CodecContext): void => {
      ctx.setOption('quality', String(options.webpQuality), undefined as never, AV_OPT_SEARCH_CHILDREN);
    };
    return Encoder.encodeOneSync(FF_ENCODER_LIBWEBP, frame, { autoFormat: true, configure });
  } catch (cause) {
    if (cause instanceof OutputError) throw cause;
    throw new F2dError('ERR_ENCODE_IMAGE', 'encode', `cannot encode "${path}" as ${format}: ${reason(cause)}`, { cause });
  } finally {
    frame.free();
  }
}

/** A node-av RGBA frame of a picture and its alpha plane (the caller frees it). */
function avFrameOfRgba(image: RgbFrame, alpha: AlphaPlane): Frame {
  const rgba = joinRgba(image, alpha);
  return Frame.fromVideoBuffer(Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength), { width: image.width, height: image.height, format: AV_PIX_FMT_RGBA });
}
