/**
 * Still images: decode png/jpg/webp to RGB24, encode RGB24 back to the
 * format the file name asks for.
 */
import { writeFile } from 'node:fs/promises';
import { AV_OPT_SEARCH_CHILDREN, Encoder, FF_ENCODER_LIBWEBP, Frame, Scaler, type CodecContext } from 'node-av';
import { F2dError, OutputError } from '../errors.js';
import type { RgbFrame } from '../model/types.js';
import { reason } from './av-errors.js';
import { avFrameOfRgb } from './rgb-convert.js';
import { imageExtensions, imageFormatOf } from './formats.js';
import { assertInputFile, openDecoder, openDemuxer, videoStreamOf } from './open-input.js';

export interface ImageWriteOptions {
  /** 1–100. */
  readonly jpegQuality: number;
  /** 0–100. */
  readonly webpQuality: number;
}

/**
 * Decodes the first picture of an image file to RGB24.
 *
 * @throws {F2dError} ERR_INPUT_NOT_FOUND, ERR_INPUT_NOT_MEDIA, ERR_INPUT_UNSUPPORTED_CODEC, ERR_DECODE_IMAGE
 */
export async function readImage(path: string): Promise<RgbFrame> {
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
          if (first) return { width: first.width, height: first.height, data: scaler.toBufferSync(first, { format: 'rgb' }) };
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
 * Encodes an RGB24 picture in the format named by `path`'s extension and writes it.
 *
 * @throws {OutputError} ERR_OUTPUT_FORMAT (unknown extension), ERR_OUTPUT_WRITE
 */
export async function writeImage(path: string, image: RgbFrame, options: ImageWriteOptions): Promise<void> {
  const bytes = encodeImage(path, image, options);
  try {
    await writeFile(path, bytes);
  } catch (cause) {
    throw new OutputError('ERR_OUTPUT_WRITE', `cannot write "${path}": ${reason(cause)}`, {
      hint: 'check that the directory exists and is writable',
      cause,
    });
  }
}

/** The encoded file bytes for `image` in the format `path` names. */
export function encodeImage(path: string, image: RgbFrame, options: ImageWriteOptions): Buffer {
  const format = imageFormatOf(path);
  if (!format) {
    throw new OutputError('ERR_OUTPUT_FORMAT', `"${path}" does not end in an image extension`, {
      hint: `name the output with one of ${imageExtensions().join(', ')}`,
    });
  }
  const frame = avFrameOfRgb(image);
  try {
    using scaler = new Scaler();
    if (format === 'png') return scaler.toPngSync(frame, { format: 'rgb' });
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
