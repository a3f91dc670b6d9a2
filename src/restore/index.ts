/**
 * `f2d restore`: picks the video, image or image-directory path from the input.
 */
import { stat } from 'node:fs/promises';
import { F2dError } from '../errors.js';
import { imageFormatOf, isVideoOutputName, videoOutputExtensions } from '../media/index.js';
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
export async function restore(input: string, output: string, options: RestoreRunOptions): Promise<RunSummary> {
  const kind = await inputKind(input);
  if (kind === 'image-dir') return restoreImageDir(input, output, options);
  if (kind === 'image') return restoreImage(input, output, options);
  if (!isVideoOutputName(output)) {
    throw new F2dError('ERR_OUTPUT_FORMAT', 'output', `the input "${input}" is a video but "${output}" is not a video file name f2d can write`, {
      hint: `end the output name with one of ${videoOutputExtensions().join(', ')} (H.264 video; .webm cannot hold H.264)`,
    });
  }
  return restoreVideo(input, output, options);
}
