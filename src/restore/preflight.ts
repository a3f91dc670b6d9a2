/**
 * The plan of a file run, made before the model loads (which takes seconds),
 * so a typo fails fast: what the input is (stat-ed once), where the output
 * goes (the default name next to the input when none is given) and whether it
 * may be written. The loops consume the plan and do not check again.
 */
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { F2dError } from '../errors.js';
import type { Logger } from '../log.js';
import { VideoReader, imageExtensions, imageFormatOf, isVideoOutputName, videoOutputExtensions } from '../media/index.js';
import { checkOutputFile } from './output-target.js';
import type { InputKind } from './types.js';

/** What a file run will do; see {@link planFile}. */
export interface FilePlan {
  readonly input: string;
  readonly output: string;
  readonly kind: InputKind;
}

export interface PlanOptions {
  /** Replace an existing output (an image directory checks its clashes when it runs). */
  readonly overwrite: boolean;
  /** Suffix of the default output name: `restored`, or the weather name for `f2d degrade`. */
  readonly suffix?: string;
  /**
   * Open a video input with its decoder now, so an unreadable file fails before the model
   * loads (the jobs do; a caller that already holds a model can skip it). Default `true`.
   */
  readonly probe?: boolean;
  readonly log: Logger;
}

/**
 * Plans a run of `input` into `output` (or the default output next to the input).
 * Checks, in this order: the input exists; for a video, the output is a video name,
 * the input opens with a decoder, the output may be written; for an image, the output
 * is an image name and may be written. An image directory's output is checked by its loop.
 *
 * @throws {F2dError} ERR_INPUT_NOT_FOUND, ERR_OUTPUT_FORMAT, the output errors of
 *   `checkOutputFile`, and the input errors of `VideoReader.open`
 */
export async function planFile(input: string, output: string | undefined, options: PlanOptions): Promise<FilePlan> {
  const info = await statInput(input);
  const kind = kindOf(input, info);
  const plan = { input, output: output ?? defaultOutput(input, kind === 'image-dir', options.suffix), kind };
  if (kind === 'video') {
    checkVideoOutputName(input, plan.output);
    if (options.probe ?? true) (await VideoReader.open(input, { log: options.log })).close();
    await checkOutputFile(input, plan.output, options.overwrite);
  } else if (kind === 'image') {
    if (!imageFormatOf(plan.output)) throw imageOutputError(input, plan.output);
    await checkOutputFile(input, plan.output, options.overwrite);
  }
  return plan;
}

/**
 * What kind of input `path` is: a directory of images, an image (by extension), or a video.
 *
 * @throws {F2dError} ERR_INPUT_NOT_FOUND
 */
export async function inputKind(path: string): Promise<InputKind> {
  return kindOf(path, await statInput(path));
}

function kindOf(path: string, info: Stats): InputKind {
  if (info.isDirectory()) return 'image-dir';
  return imageFormatOf(path) ? 'image' : 'video';
}

function statInput(path: string): Promise<Stats> {
  return stat(path).catch((cause: unknown) => {
    throw new F2dError('ERR_INPUT_NOT_FOUND', 'input', `input "${path}" does not exist`, {
      hint: 'check the path; relative paths start at the current directory',
      cause,
    });
  });
}

/**
 * The default output next to the input: `clip.mp4` → `clip-restored.mp4`,
 * `photos/` → `photos-restored/` (`suffix` replaces `restored`, e.g. `f2d degrade`'s
 * weather name); videos in containers f2d cannot write go to `.mp4`.
 */
export function defaultOutput(input: string, isDir: boolean, suffix = 'restored'): string {
  const clean = input.replace(/[\\/]+$/, '');
  if (isDir) return `${clean}-${suffix}`;
  const ext = extname(clean);
  const name = `${basename(clean, ext)}-${suffix}`;
  const keep = ext && (isVideoOutputName(clean) || /\.(png|jpe?g|webp)$/i.test(ext));
  return join(dirname(clean), `${name}${keep ? ext : '.mp4'}`);
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
