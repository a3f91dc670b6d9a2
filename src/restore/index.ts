/**
 * `f2d restore`: picks the video, image or image-directory path from the input.
 */
import { stat } from 'node:fs/promises';
import { F2dError } from '../errors.js';
import type { Logger } from '../log.js';
import { VideoReader, imageExtensions, imageFormatOf, isVideoOutputName, videoOutputExtensions } from '../media/index.js';
import { checkOutputFile } from './output-target.js';
import { restoreImage, restoreImageDir } from './images.js';
import type { InputKind, RestoreRunOptions, RunSummary } from './types.js';
import { restoreVideo } from './video.js';

export type { InputKind, Progress, RestoreRunOptions, RunSummary } from './types.js';
export { restoreImage, restoreImageDir } from './images.js';
export { restoreVideo } from './video.js';

/**
 * What kind of input `path` is: a directory of images, an image (by extension), or a video.
 *
 * @throws {F2dError} ERR_INPUT_NOT_FOUND
 */
export async function inputKind(path: string): Promise<InputKind> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new F2dError('ERR_INPUT_NOT_FOUND', 'input', `input "${path}" does not exist`, {
      hint: 'check the path; relative paths start at the current directory',
      cause,
    });
  });
  if (info.isDirectory()) return 'image-dir';
  return imageFormatOf(path) ? 'image' : 'video';
}

/**
 * Restores `input` (video, image, or directory of images) into `output`.
 *
 * @example
 * ```ts
 * const summary = await restore('rainy.mp4', 'clear.mp4', { restorer, log, overwrite: false, encode, image });
 * console.log(summary.frames, summary.fps);
 * ```
 * @throws {F2dError} see {@link restoreVideo}, {@link restoreImage}, {@link restoreImageDir}
 */
/**
 * Checks the input and output before the model is loaded (which takes seconds), so a
 * typo fails fast: the input exists and (for a video) opens with a decoder, the
 * output name suits the input and may be written.
 *
 * @returns the input kind
 */
export async function preflight(input: string, output: string, overwrite: boolean, log: Logger): Promise<InputKind> {
  const kind = await inputKind(input);
  if (kind === 'video') {
    checkVideoOutputName(input, output);
    (await VideoReader.open(input, { log })).close();
    await checkOutputFile(input, output, overwrite);
  } else if (kind === 'image') {
    if (!imageFormatOf(output)) throw imageOutputError(input, output);
    await checkOutputFile(input, output, overwrite);
  }
  return kind;
}

function checkVideoOutputName(input: string, output: string): void {
  if (!isVideoOutputName(output)) {
    throw new F2dError('ERR_OUTPUT_FORMAT', 'output', `the input "${input}" is a video but "${output}" is not a video file name f2d can write`, {
      hint: `end the output name with one of ${videoOutputExtensions().join(', ')} (H.264 video; .webm cannot hold H.264)`,
    });
  }
}

function imageOutputError(input: string, output: string): F2dError {
  return new F2dError('ERR_OUTPUT_FORMAT', 'output', `the input "${input}" is an image but the output "${output}" is not an image name`, {
    hint: `name the output with one of ${imageExtensions().join(', ')}`,
  });
}

export async function restore(input: string, output: string, options: RestoreRunOptions): Promise<RunSummary> {
  const kind = await inputKind(input);
  if (kind === 'image-dir') return restoreImageDir(input, output, options);
  if (kind === 'image') return restoreImage(input, output, options);
  checkVideoOutputName(input, output);
  return restoreVideo(input, output, options);
}
