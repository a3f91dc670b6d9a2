/**
 * What travels through Redis: one job per file, its data, its progress and its
 * result. Plain JSON, read by workers and by `f2d queue status` of any version
 * that shares the queue, so fields are only ever added.
 */
import { createHash } from 'node:crypto';

/** A file to restore: paths every worker sees (shared storage), made absolute when added. */
export interface RestoreJobData {
  readonly input: string;
  readonly output: string;
  readonly overwrite: boolean;
  /** A long video's segments, stored in its job once cut (see segmented-file.ts); absent for a whole-file job. */
  readonly split?: FileSplit;
  /** How many times the file was cut (a failed file added again is cut anew when its source changed). */
  readonly splits?: number;
}

/**
 * A long video cut at key frames (`queue.segmentSec`): each segment is a child job
 * ({@link SEGMENT_JOB}) restoring `input` to `output` in the work folder; the file's
 * job joins them when all are done.
 */
export interface FileSplit {
  /** Which cut of the file (1, 2…): part of its segments' job ids, so that a new cut gets new jobs. */
  readonly generation: number;
  /**
   * `<out-dir>/.f2d-work/<job id>/cut-<generation>` (`<out-dir>/.f2d-work/<job id>` in cuts made
   * before they were numbered); the file's folder is removed after the join.
   */
  readonly workDir: string;
  readonly segments: readonly SegmentOfFile[];
  /**
   * The source as it was cut: a file added again after a failure reuses its restored segments
   * only while the source is unchanged. Absent in cuts made before it was recorded (cut anew).
   */
  readonly source?: SourceFingerprint;
}

/**
 * What tells that a source file changed since it was cut: its size and modification time, as
 * `make` and rsync tell it, and a hash of its two ends (source-fingerprint.ts says why). Every
 * worker and the adder read them through the same shared storage.
 */
export interface SourceFingerprint {
  readonly size: number;
  /** Whole milliseconds: file systems (NFS, SMB) keep different sub-millisecond precision. */
  readonly mtimeMs: number;
  /** SHA-256 of the first and last 64 KiB, hex; absent in cuts recorded before it was. */
  readonly sample?: string;
}

export interface SegmentOfFile {
  readonly input: string;
  readonly output: string;
  /** Its first frame's time in the source, in the source's video time base (a bigint as text: JSON has none). */
  readonly startPts: string;
  readonly frames: number;
}

/** What a running job reports (`job.updateProgress`), for `f2d queue status`. */
export interface RestoreJobProgress {
  readonly frames: number;
  /** `null` when the input does not say how many frames it has. */
  readonly total: number | null;
  readonly fps: number;
}

/** What a finished job returns (`job.returnvalue`). */
export interface RestoreJobResult {
  readonly output: string;
  readonly frames: number;
  readonly seconds: number;
  readonly fps: number;
  /** Damage in the input, a size change: the same warnings `f2d restore` prints. */
  readonly warnings: readonly string[];
  /**
   * A video's seconds from the job's start to its first restored frame (input, encoder, first
   * inference on the warm model), and its rate after that, as `f2d restore --json` reports them;
   * absent for images and for a joined file.
   */
  readonly startupSec?: number;
  readonly steadyFps?: number;
}

/** The BullMQ job name of a file restore. */
export const RESTORE_JOB = 'restore-file';

/** The BullMQ job name of one segment of a long video: a child of its file's job. */
export const SEGMENT_JOB = 'restore-segment';

/** The job id of segment `index` of cut `generation` of the file job `fileJobId`: adding it again finds the first. */
export function segmentJobId(fileJobId: string, generation: number, index: number): string {
  return `${segmentJobPrefix(fileJobId, generation)}${String(index).padStart(4, '0')}`;
}

/** What the job ids of every segment of that cut start with. */
export function segmentJobPrefix(fileJobId: string, generation: number): string {
  return `${fileJobId}-g${generation}-seg-`;
}

/**
 * The job id of an output: adding the same file to the same output twice finds the first
 * job instead of restoring it again (BullMQ ignores an add whose id exists).
 */
export function jobIdFor(output: string): string {
  return `file-${createHash('sha256').update(output).digest('hex').slice(0, 32)}`;
}

/**
 * A failure as stored in the job (`failedReason`): `ERR_CODE: message`, so that status can
 * show the code that `f2d restore` would have exited with.
 */
export function failureText(code: string, message: string, hint: string | undefined): string {
  return `${code}: ${message}${hint === undefined ? '' : ` (${hint})`}`;
}

/** The code of a stored failure, or `null` for a failure without one (a stalled job). */
export function failureCode(failedReason: string): string | null {
  return /^(ERR_[A-Z0-9_]+): /.exec(failedReason)?.[1] ?? null;
}
