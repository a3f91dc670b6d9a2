/**
 * The two file-level steps of a long video restored in segments (`f2d queue`
 * with `queue.segmentSec`): cut it at key frames into a work folder beside
 * the output, and, once every segment was restored by the ordinary file job
 * (`restore-file.ts`), join them with the source's other streams into the
 * output, published as `f2d restore` publishes (temporary name, rename), and
 * remove the work folder. The queue decides who runs which step.
 */
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../log.js';
import { joinSegments, splitAtKeyframes, videoFrameCount, type JoinSummary, type SegmentSplit } from '../media/index.js';
import { commitOutput, discardOutput, temporaryName } from '../restore/publish-output.js';

/** The work folder of a file: hidden, beside its output, on the same (shared) storage; removed after the join. */
export function fileWorkDir(output: string, jobId: string): string {
  return join(dirname(output), '.f2d-work', jobId);
}

/**
 * The folder of one cut of a file. A file cut anew (its source changed) gets a new folder: a
 * segment job of the earlier cut that still runs then writes beside its own segment, never over
 * one of the new cut.
 */
export function segmentWorkDir(output: string, jobId: string, generation: number): string {
  return join(fileWorkDir(output, jobId), `cut-${generation}`);
}

/** Where the restored form of a segment goes: next to it, in the work folder. */
export function restoredSegmentName(segment: string): string {
  return join(dirname(segment), basename(segment, '.mp4') + '-restored.mp4');
}

/**
 * Cuts `input` into segments of about `segmentSec` seconds in `workDir`, or `null` when it
 * stays one job (short, open GOPs, unreadable to its end).
 *
 * @throws {F2dError} input errors of the file, ERR_OUTPUT_WRITE
 */
export function splitFileJob(input: string, workDir: string, segmentSec: number, log: Logger): Promise<SegmentSplit | null> {
  return splitAtKeyframes(input, workDir, segmentSec, log.child('media'));
}

/**
 * Whether a segment restored earlier is still there, whole: it exists and holds the `frames`
 * video frames its restore wrote (counted from its packets, not decoded). A file added again
 * after a failure reuses such segments; one that was removed or cut short is restored again.
 */
export function restoredSegmentIsWhole(path: string, frames: number): boolean {
  return videoFrameCount(path) === frames;
}

/**
 * Joins the restored segments into `output` and removes `workDir` (the file's work folder).
 *
 * @throws {F2dError} ERR_JOIN_MISMATCH, ERR_OUTPUT_EXISTS (the name was taken meanwhile,
 *   without `overwrite`), ERR_OUTPUT_WRITE, input errors
 */
export async function joinFileJob(
  input: string,
  segments: readonly { readonly path: string; readonly startPts: bigint }[],
  output: string,
  options: { readonly overwrite: boolean; readonly workDir: string; readonly log: Logger },
): Promise<JoinSummary> {
  const tmp = temporaryName(output);
  let summary: JoinSummary;
  try {
    summary = joinSegments(input, segments, tmp, options.log.child('media'));
  } catch (err) {
    await discardOutput(tmp);
    throw err;
  }
  await commitOutput(tmp, output, { overwrite: options.overwrite });
  // Only after the output is in place: until then a retried join still finds its segments.
  await rm(options.workDir, { recursive: true, force: true });
  return summary;
}
