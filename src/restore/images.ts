/**
 * Restoring one still image, and the pieces a directory run
 * (`image-dir.ts`) shares: the per-image restore and the summary.
 */
import { performance } from 'node:perf_hooks';
import { F2dError } from '../errors.js';
import { formatKeepsAlpha, imageFormatOf, readImageWithAlpha, writeImage } from '../media/index.js';
import { commitOutput, discardOutput, temporaryName } from './publish-output.js';
import { StageTimes } from './stage-times.js';
import type { RestoreRunOptions, RunSummary } from './types.js';

/** What restoring one image found that the user should hear about. */
export interface OneImageResult {
  /** The input had transparency and the output format (jpeg) cannot hold it. */
  readonly alphaDropped: boolean;
}

/**
 * Restores `input` into `output` (format from its extension). The model restores the RGB;
 * an alpha plane is carried around it unchanged and joined back for png and webp.
 */
export async function restoreOne(input: string, output: string, options: RestoreRunOptions, times: StageTimes): Promise<OneImageResult> {
  const { rgb: image, alpha } = await times.timeAsync('decode', () => readImageWithAlpha(input));
  const { width, height } = image;
  const result = await times.timeAsync('wait', () => options.restorer.restore(image));
  times.addAll(result.timings, 'model.');
  if (result.frame.width !== width || result.frame.height !== height) {
    throw new F2dError(
      'ERR_MODEL_OUTPUT_SIZE',
      'model',
      `the restorer returned ${result.frame.width}x${result.frame.height} for a ${width}x${height} image`,
    );
  }
  const tmp = temporaryName(output);
  try {
    await times.timeAsync('encode', () => writeImage(tmp, result.frame, options.image, alpha));
    await commitOutput(tmp, output, { overwrite: options.overwrite });
  } catch (err) {
    await discardOutput(tmp);
    throw err;
  }
  const format = imageFormatOf(output);
  return { alphaDropped: alpha !== null && format !== undefined && !formatKeepsAlpha(format) };
}

/** The summary of an image run; `warnings` and `files` as the caller found them. */
export function imageSummary(
  kind: RunSummary['kind'],
  run: { readonly input: string; readonly output: string; readonly frames: number; readonly total: number; readonly t0: number; readonly times: StageTimes },
  interrupted: boolean,
  warnings: readonly string[],
  files?: RunSummary['files'],
): RunSummary {
  const seconds = (performance.now() - run.t0) / 1000;
  return {
    kind,
    input: run.input,
    output: run.output,
    frames: run.frames,
    expectedFrames: run.total,
    seconds,
    fps: seconds > 0 ? run.frames / seconds : 0,
    stages: run.times.toJSON(),
    interrupted,
    damage: null,
    warnings: interrupted ? [...warnings, `interrupted: ${run.frames} of ${run.total} images were restored`] : warnings,
    ...(files === undefined ? {} : { files }),
  };
}

/** Restores one image, as planned by `planFile` (which checked the output's name and path). */
export async function restoreImage(input: string, output: string, options: RestoreRunOptions): Promise<RunSummary> {
  const times = new StageTimes();
  const t0 = options.startedAt ?? performance.now();
  const { alphaDropped } = await restoreOne(input, output, options, times);
  options.onProgress?.({ done: 1, total: 1, elapsedSec: (performance.now() - t0) / 1000 });
  const warnings = alphaDropped ? [alphaDroppedWarning(input, output)] : [];
  return imageSummary('image', { input, output, frames: 1, total: 1, t0, times }, false, warnings);
}

/** The warning for a transparent input written to a format without transparency. */
export function alphaDroppedWarning(input: string, output: string): string {
  return `"${input}" has transparency, which "${output}" (JPEG) cannot hold: it was dropped; name the output .png or .webp to keep it`;
}
