/**
 * Opening an input file with clear errors: missing, not media, no video,
 * no decoder for its codec.
 */
import { stat } from 'node:fs/promises';
import { AV_CODEC_ID_NONE, Decoder, Demuxer, avGetCodecName, type Stream } from 'node-av';
import { F2dError } from '../errors.js';
import { ffmpegCode, reason } from './av-errors.js';
import { missingMp4Index } from './mp4-index.js';

const ENOENT = -2;

/** Fails with ERR_INPUT_NOT_FOUND / ERR_INPUT_NOT_FILE unless `path` is a readable file. */
export async function assertInputFile(path: string): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (cause) {
    throw new F2dError('ERR_INPUT_NOT_FOUND', 'input', `input "${path}" does not exist`, {
      hint: 'check the path; relative paths start at the current directory',
      cause,
    });
  }
  if (!info.isFile()) {
    throw new F2dError('ERR_INPUT_NOT_FILE', 'input', `input "${path}" is not a regular file`, {
      hint: 'pass a video, an image, or a directory of images',
    });
  }
}

/** Opens a container, or fails with ERR_INPUT_NOT_FOUND / ERR_INPUT_TRUNCATED (an MP4 without its index) / ERR_INPUT_NOT_MEDIA naming the file. */
export function openDemuxer(path: string): Demuxer {
  try {
    return Demuxer.openSync(path);
  } catch (cause) {
    if (ffmpegCode(cause) === ENOENT) {
      throw new F2dError('ERR_INPUT_NOT_FOUND', 'input', `input "${path}" does not exist`, {
        hint: 'check the path; relative paths start at the current directory',
        cause,
      });
    }
    const truncated = missingMp4Index(path);
    if (truncated !== null) {
      throw new F2dError('ERR_INPUT_TRUNCATED', 'input', `"${path}" is a truncated or damaged MP4/MOV file: ${truncated}`, {
        hint:
          'MP4 writers put the index at the end: the recording or copy stopped before it was written. Copy or export it again from its source; ' +
          'a tool such as untrunc can rebuild the index from a good file of the same camera',
        cause,
      });
    }
    throw new F2dError('ERR_INPUT_NOT_MEDIA', 'input', `"${path}" is not a media file FFmpeg can read (${reason(cause)})`, {
      hint: 'pass a video (mp4, mkv, mov, avi, webm…) or an image (png, jpg, webp); the file may also be empty or damaged at its start',
      cause,
    });
  }
}

/** The stream's codec name, or its FourCC when FFmpeg does not know it. */
export function codecLabel(stream: Stream): string {
  const par = stream.codecpar;
  if (par.codecId !== AV_CODEC_ID_NONE) return avGetCodecName(par.codecId) ?? `codec #${par.codecId}`;
  const tag = par.codecTagString;
  return tag ? `unknown codec "${tag}"` : 'an unknown codec';
}

/** The best video stream, or ERR_INPUT_NO_VIDEO. */
export function videoStreamOf(demuxer: Demuxer, path: string): Stream {
  const stream = demuxer.video();
  if (!stream) {
    throw new F2dError('ERR_INPUT_NO_VIDEO', 'input', `"${path}" has no video stream (${demuxer.formatName})`, {
      hint: 'f2d restores pictures: pass a video or an image',
    });
  }
  return stream;
}

/** A decoder for the stream, or ERR_INPUT_UNSUPPORTED_CODEC naming the codec. */
export function openDecoder(stream: Stream, path: string): Decoder {
  try {
    return Decoder.createSync(stream);
  } catch (cause) {
    throw new F2dError(
      'ERR_INPUT_UNSUPPORTED_CODEC',
      'input',
      `cannot decode the video of "${path}": no decoder for ${codecLabel(stream)} (${reason(cause)})`,
      { hint: 'convert it first, e.g. `ffmpeg -i in -c:v libx264 converted.mp4`, then restore the converted file', cause },
    );
  }
}
