/**
 * A file that failed, added again (`f2d queue add` of the same file to the
 * same output): the user fixed the cause, so it is tried again, each job
 * with its full `queue.attempts`. A long video keeps what its segments
 * already gave: its failed segments are retried in place with BullMQ's
 * `retry` (which puts a failed child back among its parent's dependencies),
 * then its file job, which waits for them and joins. Segments first: a file
 * job run before them would find the failures still there and fail again.
 *
 * Only Redis and a `stat` of the source are read here (the machine that adds
 * may not be one that restores); the worker running the file's job checks
 * that the restored segments are still on the shared storage.
 */
import type { Job, Queue } from 'bullmq';
import { segmentJobId, type RestoreJobData, type RestoreJobResult } from './job-data.js';
import { sameSource, sourceFingerprint } from './source-fingerprint.js';

type RestoreJob = Job<RestoreJobData, RestoreJobResult>;

/** What a long video added again reuses: `restored` of its `total` segments are not restored again. */
export interface SegmentReuse {
  readonly restored: number;
  readonly total: number;
}

/**
 * Retries the failed file job `job`: redoes only its failed segments when it was cut and its
 * source is unchanged, else forgets the cut so that the file is cut anew.
 *
 * @returns what is reused, or `null` when the file is restored from its start
 */
export async function retryFailedFile(queue: Queue<RestoreJobData, RestoreJobResult>, job: RestoreJob): Promise<SegmentReuse | null> {
  const split = job.data.split;
  let reuse: SegmentReuse | null = null;
  if (split !== undefined && job.id !== undefined && sameSource(split.source, await sourceFingerprint(job.data.input))) {
    let restored = 0;
    for (let i = 0; i < split.segments.length; i++) {
      const segment = await queue.getJob(segmentJobId(job.id, split.generation, i));
      const state = segment === undefined ? null : await segment.getState();
      if (state === 'completed') restored++;
      else if (state === 'failed') await segment!.retry('failed', { resetAttemptsMade: true });
      // Waiting or running segments go on; missing ones are added by the file's job.
    }
    reuse = { restored, total: split.segments.length };
  } else if (split !== undefined) {
    const { split: _stale, ...rest } = job.data;
    await job.updateData(rest);
  }
  await job.retry('failed', { resetAttemptsMade: true });
  return reuse;
}
