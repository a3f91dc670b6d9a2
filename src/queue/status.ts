/**
 * `f2d queue status`: every file of the queue with its state, frames, rate,
 * an estimate of the time left, the tries it took and its failure. A long
 * video restored in segments is one file: its segments' jobs are counted in
 * it (segments done/total, frames, rate, the failed segment's error), not
 * listed apart.
 */
import { Queue, type Job } from 'bullmq';
import { checkRedis, bullConnection } from './redis.js';
import { failureCode, segmentJobPrefix, SEGMENT_JOB, type RestoreJobData, type RestoreJobProgress, type RestoreJobResult } from './job-data.js';
import type { QueueTarget } from './queue-target.js';

export type FileState = 'waiting' | 'active' | 'retrying' | 'done' | 'failed';

/** One file of the queue. */
export interface FileStatus {
  readonly jobId: string;
  readonly input: string;
  readonly output: string;
  readonly state: FileState;
  /** Frames (or images) restored: so far while active, all when done. */
  readonly frames: number;
  /** Frames the input holds, when known. */
  readonly total: number | null;
  readonly fps: number;
  /** Seconds left at the current rate, while active with a known total. */
  readonly etaSec: number | null;
  /** Tries made (a try cut short by a dead worker counts once the job was put back). */
  readonly attempts: number;
  /** The last failure, `ERR_CODE: message`, with its code apart. */
  readonly error: string | null;
  readonly errorCode: string | null;
  /** The worker (`host:pid`) that holds or held the job (for a file in segments, one restoring a segment). */
  readonly worker: string | null;
  /** A long video restored in segments (`queue.segmentSec`): how many are restored; `null` for a whole-file job. */
  readonly segments: { readonly done: number; readonly total: number } | null;
}

export interface QueueStatus {
  readonly queue: string;
  readonly counts: Readonly<Record<FileState, number>>;
  readonly files: readonly FileStatus[];
}

type RestoreJob = Job<RestoreJobData, RestoreJobResult>;

/** Reads the state of every job of the queue (oldest first). */
export async function queueStatus(target: QueueTarget): Promise<QueueStatus> {
  await checkRedis(target);
  const connection = bullConnection(target);
  const queue = new Queue<RestoreJobData, RestoreJobResult>(target.name, { connection });
  try {
    const byState: [FileState, RestoreJob[]][] = [
      ['active', await queue.getJobs(['active'])],
      ['retrying', await queue.getJobs(['delayed'])],
      ['waiting', await queue.getJobs(['waiting', 'prioritized', 'waiting-children'])],
      ['done', await queue.getJobs(['completed'])],
      ['failed', await queue.getJobs(['failed'])],
    ];
    const all = byState.flatMap(([state, jobs]) => jobs.filter((j) => j.id !== undefined).map((j) => fileStatus(j, state)));
    const jobsById = new Map(byState.flatMap(([, jobs]) => jobs.map((j) => [j.id, j] as const)));
    const segmentsOf = new Map<string, FileStatus[]>();
    for (const f of all) {
      const parent = jobsById.get(f.jobId)?.parent?.id;
      if (jobsById.get(f.jobId)?.name !== SEGMENT_JOB || parent === undefined) continue;
      segmentsOf.set(parent, [...(segmentsOf.get(parent) ?? []), f]);
    }
    const files = all
      .filter((f) => jobsById.get(f.jobId)?.name !== SEGMENT_JOB)
      .map((f) => {
        const split = jobsById.get(f.jobId)?.data.split;
        if (split === undefined) return f;
        // Only the segments of its current cut (an earlier cut's jobs stay in Redis after a failure).
        const current = (segmentsOf.get(f.jobId) ?? []).filter((s) => s.jobId.startsWith(segmentJobPrefix(f.jobId, split.generation)));
        return withSegments(f, split.segments.length, jobsById.get(f.jobId)!, current);
      });
    files.sort((a, b) => a.input.localeCompare(b.input));
    const counts = { waiting: 0, active: 0, retrying: 0, done: 0, failed: 0 };
    for (const f of files) counts[f.state]++;
    return { queue: target.name, counts, files };
  } finally {
    await queue.close();
    await connection.quit().catch(() => undefined);
  }
}

function fileStatus(job: RestoreJob, state: FileState): FileStatus {
  const progress = typeof job.progress === 'object' && job.progress !== null ? (job.progress as Partial<RestoreJobProgress>) : {};
  const result = state === 'done' ? job.returnvalue : null;
  const frames = result?.frames ?? progress.frames ?? 0;
  const fps = result?.fps ?? progress.fps ?? 0;
  const total = progress.total ?? null;
  const etaSec = state === 'active' && total !== null && fps > 0 ? Math.max(0, (total - frames) / fps) : null;
  const error = job.failedReason === undefined || job.failedReason === '' ? null : job.failedReason;
  return {
    jobId: job.id ?? '',
    input: job.data.input,
    output: job.data.output,
    state,
    frames,
    total,
    fps,
    etaSec,
    attempts: job.attemptsMade,
    error,
    errorCode: error === null ? null : failureCode(error),
    worker: job.processedBy ?? null,
    segments: null,
  };
}

/** A file restored in segments, from its own job and its segments' jobs. */
function withSegments(file: FileStatus, total: number, job: RestoreJob, segments: readonly FileStatus[]): FileStatus {
  if (file.state === 'done') return { ...file, segments: { done: total, total } };
  const done = segments.filter((s) => s.state === 'done').length;
  const active = segments.filter((s) => s.state === 'active');
  const frames = segments.reduce((n, s) => n + s.frames, 0);
  const totalFrames = job.data.split?.segments.reduce((n, s) => n + s.frames, 0) ?? null;
  const fps = active.reduce((n, s) => n + s.fps, 0);
  const failed = segments.find((s) => s.state === 'failed' || (s.error !== null && s.state !== 'done'));
  const error = file.state === 'failed' && failed?.error ? failed.error : file.error;
  // Waiting for its segments while some run or are done: the file is in progress.
  const state = file.state === 'waiting' && segments.some((s) => s.state !== 'waiting') ? 'active' : file.state;
  return {
    ...file,
    state,
    frames,
    total: totalFrames,
    fps,
    etaSec: state === 'active' && totalFrames !== null && fps > 0 ? Math.max(0, (totalFrames - frames) / fps) : null,
    error,
    errorCode: error === null ? null : failureCode(error),
    worker: active[0]?.worker ?? file.worker,
    segments: { done, total },
  };
}
