/**
 * `f2d queue add`: one job per file, under an output name every worker can
 * write (`<out-dir>/<name>-restored.<ext>`, as `f2d restore` names it beside
 * its input). A directory adds each file in it (not its subdirectories): a
 * dashcam's folder of clips becomes one job per clip. Files are not opened
 * here: the machine that adds may not be one that restores, and a file that
 * is not media fails its own job, as `f2d restore` would fail on it.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { F2dError } from '../errors.js';
import { defaultOutput } from '../restore/index.js';
import { jobIdFor, RESTORE_JOB, type RestoreJobData, type RestoreJobResult } from './job-data.js';
import type { QueueTarget } from './queue-target.js';
import { retryFailedFile, type SegmentReuse } from './retry-failed-file.js';
import { bullConnection, checkRedis } from './redis.js';

/** What became of one file given to `f2d queue add`. */
export interface EnqueuedFile {
  readonly input: string;
  readonly output: string;
  readonly jobId: string;
  /** `added` now; `queued` already (same output); `retried` after it had failed; `done` earlier (its output was written). */
  readonly state: 'added' | 'queued' | 'retried' | 'done';
  /** A long video retried after a failure: its segments restored earlier, which are not restored again. */
  readonly reuse?: SegmentReuse;
}

/** The outcome of one file, for `--wait`. */
export type FileOutcome = { readonly file: EnqueuedFile; readonly ok: true; readonly result: RestoreJobResult } | { readonly file: EnqueuedFile; readonly ok: false; readonly reason: string };

/**
 * The files of `inputs` (a directory gives its files) with their outputs in `outDir`, absolute.
 *
 * @throws {F2dError} ERR_INPUT_NOT_FOUND
 */
export async function filesToAdd(inputs: readonly string[], outDir: string, cwd: string): Promise<{ input: string; output: string }[]> {
  const files: string[] = [];
  for (const given of inputs) {
    const path = resolve(cwd, given);
    const info = await stat(path).catch((cause: unknown) => {
      throw new F2dError('ERR_INPUT_NOT_FOUND', 'input', `input "${given}" does not exist`, { hint: 'check the path; relative paths start at the current directory', cause });
    });
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const entries = await readdir(path, { withFileTypes: true });
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) if (e.isFile() && !e.name.startsWith('.')) files.push(join(path, e.name));
  }
  const out = resolve(cwd, outDir);
  return files.map((input) => ({ input, output: join(out, basename(defaultOutput(input, false))) }));
}

/** Adds one job per file (none twice: see {@link jobIdFor}). */
export async function enqueueFiles(target: QueueTarget, files: readonly { input: string; output: string }[], overwrite: boolean): Promise<EnqueuedFile[]> {
  await checkRedis(target);
  const connection = bullConnection(target);
  const queue = new Queue<RestoreJobData, RestoreJobResult>(target.name, { connection });
  try {
    const added: EnqueuedFile[] = [];
    for (const { input, output } of files) {
      const jobId = jobIdFor(output);
      const existing = await queue.getJob(jobId);
      const state = existing === undefined ? null : await existing.getState();
      if (existing !== undefined && state === 'failed') {
        const reuse = await retryFailedFile(queue, existing);
        added.push({ input, output, jobId, state: 'retried', ...(reuse === null ? {} : { reuse }) });
      } else if (state === 'completed') {
        added.push({ input, output, jobId, state: 'done' });
      } else if (existing !== undefined) {
        added.push({ input, output, jobId, state: 'queued' });
      } else {
        await queue.add(RESTORE_JOB, { input, output, overwrite }, { jobId, attempts: target.attempts, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: false, removeOnFail: false });
        added.push({ input, output, jobId, state: 'added' });
      }
    }
    return added;
  } finally {
    await queue.close();
    await connection.quit().catch(() => undefined);
  }
}

/** Waits until every file's job has completed or failed for good. */
export async function waitForFiles(target: QueueTarget, files: readonly EnqueuedFile[], signal: AbortSignal): Promise<FileOutcome[]> {
  const connection = bullConnection(target);
  const events = new QueueEvents(target.name, { connection: bullConnection(target) });
  const queue = new Queue<RestoreJobData, RestoreJobResult>(target.name, { connection });
  try {
    await events.waitUntilReady();
    return await Promise.all(files.map((file) => outcomeOf(queue, events, file, signal)));
  } finally {
    await events.close();
    await queue.close();
    await connection.quit().catch(() => undefined);
  }
}

/**
 * A job's outcome: from the events, and also by polling its state, since an event sent
 * before the listener was ready would otherwise be missed.
 */
async function outcomeOf(queue: Queue<RestoreJobData, RestoreJobResult>, events: QueueEvents, file: EnqueuedFile, signal: AbortSignal): Promise<FileOutcome> {
  for (;;) {
    if (signal.aborted) throw new F2dError('ERR_INTERRUPTED', 'interrupted', 'stopped waiting; the files stay queued (f2d queue status shows them)');
    // The state first, the job's fields after it: a job read first and finished in between
    // reports its new state with its old fields (a retried file: failed, with no failedReason yet).
    const state = await queue.getJobState(file.jobId);
    if (state === 'completed' || state === 'failed' || state === 'unknown') {
      const job = state === 'unknown' ? undefined : await queue.getJob(file.jobId);
      if (job === undefined) return { file, ok: false, reason: 'the job was removed from the queue' };
      return state === 'completed' ? { file, ok: true, result: job.returnvalue } : { file, ok: false, reason: job.failedReason };
    }
    await new Promise<void>((resolve) => {
      const done = (e: { jobId: string }): void => {
        if (e.jobId === file.jobId) finish();
      };
      const timer = setTimeout(finish, 2000);
      function finish(): void {
        clearTimeout(timer);
        events.off('completed', done);
        events.off('failed', done);
        signal.removeEventListener('abort', finish);
        resolve();
      }
      events.on('completed', done);
      events.on('failed', done);
      signal.addEventListener('abort', finish, { once: true });
    });
  }
}
