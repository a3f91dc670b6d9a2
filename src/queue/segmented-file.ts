/**
 * A file's job when its video is long: cut it at key frames, restore each
 * segment as a child job (any worker, in parallel), join them when all are
 * done. Built on BullMQ's parent/child dependencies (the flow mechanism):
 * the file's job adds its segments as children and moves itself to
 * `waiting-children`; BullMQ runs it again once every child has completed,
 * and that run joins. The file keeps one job id from add to done, so
 * `f2d queue add` (dedup, `--wait`) and status see one job per file.
 *
 * Crash safety: a segment is a job of its own, so a worker killed mid-segment
 * costs that segment only (its lock expires, another worker redoes it);
 * completed segments are never run again. The split is stored in the file's
 * job as soon as it is made, so a file job retried after its children were
 * added does not cut the file again; adding a child twice finds the first
 * (fixed job ids). A segment that fails for good fails its file, with the
 * segment's error (BullMQ's `continueParentOnFailure` runs the file's job,
 * which fails with it); the file keeps its cut and its restored segments.
 * Added again (`retry-failed-file.ts`), its failed segments are retried in
 * place (BullMQ's `retry` puts a failed child back among its parent's
 * dependencies) and the file's job waits for them: only what failed is
 * restored again. Before that wait the file's job checks that each segment
 * restored earlier is still on the shared storage, whole, and redoes one that
 * is not. A source that changed since its cut is cut anew (a new
 * `generation`: new segment jobs, a new work folder) and restored in full.
 */
import { UnrecoverableError, WaitingChildrenError, type Job, type Queue } from 'bullmq';
import { planFileJob } from '../jobs/restore-file.js';
import { fileWorkDir, joinFileJob, restoredSegmentIsWhole, restoredSegmentName, segmentWorkDir, splitFileJob } from '../jobs/restore-segments.js';
import { segmentJobId, segmentJobPrefix, SEGMENT_JOB, type FileSplit, type RestoreJobData, type RestoreJobResult } from './job-data.js';
import { jobError, runRestoreJob, type RestoreJobContext } from './run-restore-job.js';
import { sourceFingerprint } from './source-fingerprint.js';

type RestoreJob = Job<RestoreJobData, RestoreJobResult>;

export interface QueuedFileContext extends RestoreJobContext {
  /** `queue.segmentSec` of this worker; 0 = never split. */
  readonly segmentSec: number;
  /** The queue the segments are added to (the file's own). */
  readonly queue: Queue<RestoreJobData, RestoreJobResult>;
  /** Tries of a segment (`queue.attempts`). */
  readonly attempts: number;
}

/**
 * Runs a job of the queue: a segment, a whole file, or a long file's split / join step.
 *
 * @throws {WaitingChildrenError} after adding the segments (BullMQ's signal, not a failure)
 * @throws {UnrecoverableError | Error} as {@link runRestoreJob}
 */
export async function runQueuedJob(job: RestoreJob, token: string | undefined, ctx: QueuedFileContext): Promise<RestoreJobResult> {
  if (job.name === SEGMENT_JOB || token === undefined) return runRestoreJob(job, ctx);
  let split: FileSplit | null = job.data.split ?? null;
  // A file already cut goes on in segments whatever this worker's setting (workers may differ).
  if (split === null && ctx.segmentSec <= 0) return runRestoreJob(job, ctx);
  const cutEarlier = split !== null;
  if (split === null) {
    const generation = (job.data.splits ?? 0) + 1;
    split = await splitOrNull(job, generation, ctx);
    if (split === null) return runRestoreJob(job, ctx);
    await job.updateData({ ...job.data, split, splits: generation });
  }
  // Failures of this cut's segments (an earlier cut's failures stay recorded in the file's job).
  const ofThisCut = segmentJobPrefix(job.id ?? '', split.generation);
  const failed = Object.entries(await job.getFailedChildrenValues())
    .filter(([key]) => key.includes(ofThisCut))
    .map(([, reason]) => reason);
  if (failed.length > 0) {
    // The cut and the restored segments stay: added again, the file redoes only what failed.
    // The segment's own text comes first: it starts with the error code `f2d restore` gives.
    throw new UnrecoverableError(`${failed[0]!} (in a segment of ${job.data.input}; fix the cause and add the file again: only its failed segments are restored again)`);
  }
  if (cutEarlier) await resumeSegments(job, split, ctx);
  else await addSegments(job, split, split.segments.map((_, i) => i), ctx);
  if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
  return joinSegmentsOf(job, split, ctx);
}

/**
 * A run of the file's job after its cut (a retried file, a join step, a run cut short): adds
 * the segments whose jobs are missing (the run that cut may have died before adding them), and
 * puts back among the file's dependencies each completed segment whose restored file is gone
 * or cut short. Only missing jobs are added: adding a failed one again would make it a
 * dependency that never completes.
 */
async function resumeSegments(job: RestoreJob, split: FileSplit, ctx: QueuedFileContext): Promise<void> {
  const log = ctx.log.child(`job ${job.id ?? '?'}`);
  const missing: number[] = [];
  for (const [i, s] of split.segments.entries()) {
    const child = await ctx.queue.getJob(segmentJobId(job.id ?? '', split.generation, i));
    if (child === undefined) {
      missing.push(i);
      continue;
    }
    // Against what its restore wrote, not the source's count: a damaged segment keeps fewer frames.
    if ((await child.getState()) !== 'completed' || restoredSegmentIsWhole(s.output, child.returnvalue.frames)) continue;
    log.warn(`${job.data.input}: the restored segment ${s.output} is missing or incomplete; it is restored again`);
    await child.retry('completed', { resetAttemptsMade: true });
  }
  if (missing.length > 0) await addSegments(job, split, missing, ctx);
}

/** Plans the file as `f2d restore` would (same checks and errors), then cuts a long video. */
async function splitOrNull(job: RestoreJob, generation: number, ctx: QueuedFileContext): Promise<FileSplit | null> {
  const { input, output, overwrite } = job.data;
  const log = ctx.log.child(`job ${job.id ?? '?'}`);
  try {
    const plan = await planFileJob(input, output, { output: { ...ctx.config.output, overwrite } }, log);
    if (plan.kind !== 'video') return null;
    const workDir = segmentWorkDir(output, job.id ?? 'job', generation);
    // Taken before the cut: a source changed during it no longer matches, and is cut anew when added again.
    const source = await sourceFingerprint(input);
    const split = await splitFileJob(input, workDir, ctx.segmentSec, log);
    if (split === null) return null;
    log.info(`${input}: ${split.segments.length} segments of about ${ctx.segmentSec} s`);
    return {
      generation,
      workDir,
      segments: split.segments.map((s) => ({ input: s.path, output: restoredSegmentName(s.path), startPts: s.startPts.toString(), frames: s.frames })),
      ...(source === null ? {} : { source }),
    };
  } catch (err) {
    throw jobError(err);
  }
}

/** Adds segments `indices` of the cut as children of the file's job (fixed job ids: BullMQ ignores an add whose id exists). */
async function addSegments(job: RestoreJob, split: FileSplit, indices: readonly number[], ctx: QueuedFileContext): Promise<void> {
  if (job.id === undefined) return;
  await ctx.queue.addBulk(
    indices.map((i) => ({
      name: SEGMENT_JOB,
      // The segment's restored form is only ever read by the join: it is overwritten when redone.
      data: { input: split.segments[i]!.input, output: split.segments[i]!.output, overwrite: true },
      opts: {
        jobId: segmentJobId(job.id!, split.generation, i),
        parent: { id: job.id!, queue: job.queueQualifiedName },
        continueParentOnFailure: true,
        attempts: ctx.attempts,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: false,
        removeOnFail: false,
      },
    })),
  );
}

/** The join step: every segment is restored. */
async function joinSegmentsOf(job: RestoreJob, split: FileSplit, ctx: QueuedFileContext): Promise<RestoreJobResult> {
  const { input, output, overwrite } = job.data;
  const log = ctx.log.child(`job ${job.id ?? '?'}`);
  const children = Object.values(await job.getChildrenValues<RestoreJobResult>());
  try {
    const summary = await joinFileJob(
      input,
      split.segments.map((s) => ({ path: s.output, startPts: BigInt(s.startPts) })),
      output,
      { overwrite, workDir: fileWorkDir(output, job.id ?? 'job'), log },
    );
    // The file's time is from its adding to its join: what a user waited for it.
    const seconds = Math.max(0.001, (Date.now() - job.timestamp) / 1000);
    const warnings = [...new Set(children.flatMap((c) => c.warnings))];
    for (const w of warnings) log.warn(w);
    log.info(`${input}: joined ${split.segments.length} segments (${summary.frames} frames)`);
    return { output, frames: summary.frames, seconds, fps: summary.frames / seconds, warnings };
  } catch (err) {
    throw jobError(err);
  }
}
