/**
 * `f2d worker`: a BullMQ worker that restores files from the queue with one
 * model, loaded at start and kept warm across jobs.
 *
 * Crash safety is BullMQ's: a worker holds a lock on each job it runs and
 * renews it every half `queue.lockDurationSec`; a worker that dies (SIGKILL, a
 * lost machine) stops renewing, and the stalled-job check of any live worker
 * puts the job back after the lock expired, to be redone from its start.
 * `close()` stops taking jobs and waits for the jobs in progress to finish, so
 * Ctrl-C never leaves a half-done job behind.
 */
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import { Queue, Worker, type Job } from 'bullmq';
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import { openRestorer } from '../model/open.js';
import { failureCode, type RestoreJobData, type RestoreJobResult } from './job-data.js';
import { bullConnection, checkRedis } from './redis.js';
import { runQueuedJob } from './segmented-file.js';
import { serveMetrics, WorkerMetrics } from './worker-metrics.js';

export type WorkerConfig = Pick<Config, 'model' | 'encode' | 'image' | 'output' | 'queue'>;

export interface QueueWorker {
  /** This worker's name in the queue (`host:pid`), as status shows it. */
  readonly name: string;
  readonly metrics: WorkerMetrics;
  /** Where the metrics are served, when `queue.metricsPort` is set. */
  readonly metricsUrl: string | null;
  /** Stops taking jobs, lets the jobs in progress finish, closes the model and the connections. */
  close(): Promise<void>;
}

/**
 * Checks Redis, loads the model, and starts pulling jobs.
 *
 * @throws {F2dError} ERR_QUEUE_REDIS, the model's loading errors, ERR_SERVER_LISTEN for the metrics port
 */
export async function startQueueWorker(config: WorkerConfig, log: Logger): Promise<QueueWorker> {
  const { queue } = config;
  const target = { url: queue.redis, connectTimeoutSec: queue.connectTimeoutSec };
  await checkRedis(target);
  // One model serves every job, images and videos alike: the video files' views (model.ensemble auto: 2).
  const restorer = await openRestorer(config.model, log.child('model'), { purpose: 'video' });
  const metrics = new WorkerMetrics();
  let metricsServer: Server | null = null;
  let metricsUrl: string | null = null;
  try {
    if (queue.metricsPort !== null) ({ server: metricsServer, url: metricsUrl } = await serveMetrics(metrics.registry, '0.0.0.0', queue.metricsPort));
  } catch (err) {
    await restorer.close();
    throw err;
  }
  const name = `${hostname()}:${process.pid}`;
  const lockMs = queue.lockDurationSec * 1000;
  // BullMQ closes the connections it made itself, not one handed in: this one is quit in close().
  const connection = bullConnection(target);
  // Where a long file's job adds its segments (the same queue; see segmented-file.ts).
  const segmentQueue = new Queue<RestoreJobData, RestoreJobResult>(queue.name, { connection });
  const worker = new Worker<RestoreJobData, RestoreJobResult>(
    queue.name,
    async (job: Job<RestoreJobData, RestoreJobResult>, token?: string) => {
      log.info(`job ${job.id ?? '?'}: ${job.data.input} -> ${job.data.output}${job.attemptsMade > 0 ? ` (try ${job.attemptsMade + 1})` : ''}`);
      metrics.active.inc();
      try {
        return await runQueuedJob(job, token, {
          config,
          log,
          restorer,
          onFrames: (n) => metrics.frames.inc(n),
          segmentSec: queue.segmentSec,
          queue: segmentQueue,
          attempts: queue.attempts,
        });
      } finally {
        metrics.active.dec();
      }
    },
    {
      connection,
      name,
      concurrency: queue.concurrency,
      lockDuration: lockMs,
      // The check that puts a dead worker's job back runs as often as a lock lasts.
      stalledInterval: lockMs,
      // A job whose worker died `attempts` times is failed rather than tried forever (BullMQ
      // fails it when its stalls exceed this count).
      maxStalledCount: queue.attempts - 1,
      autorun: true,
    },
  );
  worker.on('completed', (job) => {
    metrics.jobs.inc({ result: 'ok' });
    metrics.fps.set(job.returnvalue.fps);
    log.info(`job ${job.id ?? '?'}: wrote ${job.returnvalue.output} (${job.returnvalue.frames} frames, ${job.returnvalue.fps.toFixed(1)} fps)`);
  });
  worker.on('failed', (job, err) => {
    metrics.failures.inc({ code: failureCode(err.message) ?? 'ERR_INTERNAL' });
    const final = job === undefined || job.finishedOn !== undefined;
    if (final) metrics.jobs.inc({ result: 'failed' });
    log.warn(`job ${job?.id ?? '?'}: ${final ? 'failed' : 'try failed, will retry'}: ${err.message}`);
  });
  // Redis lost after start: ioredis reconnects; say so instead of failing.
  worker.on('error', (err) => log.warn(`queue: ${err.message}`));
  await worker.waitUntilReady();
  log.info(`worker ${name} on queue "${queue.name}" (${queue.concurrency} at a time); model loaded`);
  return {
    name,
    metrics,
    metricsUrl,
    async close() {
      await worker.close();
      await segmentQueue.close();
      await connection.quit().catch(() => undefined);
      await restorer.close();
      await new Promise<void>((resolve) => (metricsServer === null ? resolve() : metricsServer.close(() => resolve())));
    },
  };
}
