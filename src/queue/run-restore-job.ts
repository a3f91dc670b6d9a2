/**
 * One queue job: the file job of `f2d restore` (`planFileJob` + `runFileJob`)
 * on a file from the queue, with the worker's warm model, reporting progress
 * to the job for `f2d queue status`.
 *
 * Errors that another try cannot fix (the file is not media, the output is
 * taken, a setting is wrong) end the job at once as BullMQ's UnrecoverableError;
 * others (the model worker died, a disk hiccup) are tried `queue.attempts` times.
 * Either way the stored reason starts with the error code `f2d restore` gives.
 */
import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { Config } from '../config/types.js';
import { toF2dError, type ErrorCategory } from '../errors.js';
import { planFileJob, runFileJob } from '../jobs/restore-file.js';
import type { Logger } from '../log.js';
import type { FrameRestorer } from '../model/types.js';
import type { ProgressSink } from '../restore/index.js';
import { failureText, type RestoreJobData, type RestoreJobProgress, type RestoreJobResult } from './job-data.js';
import { lendRestorer } from './warm-restorer.js';

/** Categories whose errors come back on every try. */
const FINAL: ReadonlySet<ErrorCategory> = new Set(['config', 'input', 'decode', 'output']);

/** How often a job's progress is written to Redis. */
const PROGRESS_INTERVAL_MS = 1000;

export interface RestoreJobContext {
  readonly config: Pick<Config, 'model' | 'encode' | 'image' | 'output'>;
  readonly log: Logger;
  /** The worker's model, loaded once. */
  readonly restorer: FrameRestorer;
  /** Called with each frame count reported, for the worker's metrics. */
  readonly onFrames?: (frames: number) => void;
}

/**
 * Restores the job's file.
 *
 * @throws {UnrecoverableError | Error} with the text of {@link failureText}
 */
export async function runRestoreJob(job: Job<RestoreJobData, RestoreJobResult>, ctx: RestoreJobContext): Promise<RestoreJobResult> {
  const { input, output, overwrite } = job.data;
  const log = ctx.log.child(`job ${job.id ?? '?'}`);
  const config = { ...ctx.config, output: { ...ctx.config.output, overwrite } };
  try {
    const plan = await planFileJob(input, output, config, log);
    const summary = await runFileJob(plan, config, {
      log,
      open: () => Promise.resolve(lendRestorer(ctx.restorer)),
      progress: () => progressToJob(job, ctx.onFrames),
    });
    for (const w of summary.warnings) log.warn(w);
    const { startupSec, steadyFps } = summary;
    return {
      output: summary.output,
      frames: summary.frames,
      seconds: summary.seconds,
      fps: summary.fps,
      warnings: summary.warnings,
      ...(startupSec === undefined ? {} : { startupSec }),
      ...(steadyFps === undefined ? {} : { steadyFps }),
    };
  } catch (err) {
    throw jobError(err);
  }
}

/** What a job throws for `err`: final (UnrecoverableError) or to be retried, with the text of {@link failureText}. */
export function jobError(err: unknown): Error {
  const error = toF2dError(err);
  const text = failureText(error.code, error.message, error.hint);
  return FINAL.has(error.category) ? new UnrecoverableError(text) : new Error(text, { cause: err });
}

/** Writes the frame count to the job at most once a second, and the last count at the end. */
function progressToJob(job: Job, onFrames: ((frames: number) => void) | undefined): ProgressSink {
  let lastAt = 0;
  let counted = 0;
  let last: RestoreJobProgress | null = null;
  const write = (p: RestoreJobProgress): void => {
    // A failed progress write must not fail the restore: status only shows older numbers.
    job.updateProgress({ ...p }).catch(() => undefined);
  };
  return {
    update(p) {
      onFrames?.(p.done - counted);
      counted = p.done;
      last = { frames: p.done, total: p.total, fps: p.elapsedSec > 0 ? p.done / p.elapsedSec : 0 };
      const now = Date.now();
      if (now - lastAt >= PROGRESS_INTERVAL_MS) {
        lastAt = now;
        write(last);
      }
    },
    done() {
      if (last !== null) write(last);
    },
  };
}
