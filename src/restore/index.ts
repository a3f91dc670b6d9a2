/**
 * The file loop behind `f2d restore` and `f2d degrade`: a video, an image or a
 * directory of images, each frame through a {@link FrameRestorer}, planned
 * first ({@link planFile}) and then run ({@link restoreFile}).
 */
import type { FilePlan } from './preflight.js';
import { planFile } from './preflight.js';
import { restoreImageDir } from './image-dir.js';
import { restoreImage } from './images.js';
import type { RestoreRunOptions, RunSummary } from './types.js';
import { restoreVideo } from './video.js';

export type { FileFailure, ImageDirFiles, InputKind, Progress, ProgressSink, RestoreRunOptions, RunSummary } from './types.js';
export { defaultOutput, inputKind, planFile } from './preflight.js';
export type { FilePlan, PlanOptions } from './preflight.js';
export { removeTemporaryOutputs } from './publish-output.js';

/**
 * Runs a plan made by {@link planFile}: the output was checked there, so the
 * loops only write it.
 *
 * @throws {F2dError} see `restoreVideo`, `restoreImage`, `restoreImageDir`
 */
export function restoreFile(plan: FilePlan, options: RestoreRunOptions): Promise<RunSummary> {
  if (plan.kind === 'image-dir') return restoreImageDir(plan.input, plan.output, options);
  if (plan.kind === 'image') return restoreImage(plan.input, plan.output, options);
  return restoreVideo(plan.input, plan.output, options);
}

/**
 * Restores `input` (video, image, or directory of images) into `output`: plans
 * (without the early decoder probe: the loop opens the input next) and runs.
 *
 * @example
 * ```ts
 * const summary = await restore('rainy.mp4', 'clear.mp4', { restorer, log, overwrite: false, encode, image });
 * console.log(summary.frames, summary.fps);
 * ```
 */
export async function restore(input: string, output: string, options: RestoreRunOptions): Promise<RunSummary> {
  const plan = await planFile(input, output, { overwrite: options.overwrite, probe: false, log: options.log.child('media') });
  return restoreFile(plan, options);
}
