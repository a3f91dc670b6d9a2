/**
 * `f2d worker`: restores files from the queue (`src/queue/worker.ts`) until
 * Ctrl-C, which lets the jobs in progress finish before exiting.
 */
import { EXIT_CODES } from '../../errors.js';
import { startQueueWorker } from '../../queue/worker.js';
import type { CommandContext } from './context.js';

export async function workerCommand(ctx: CommandContext, stdout: NodeJS.WritableStream): Promise<number> {
  const log = ctx.log.child('worker');
  const worker = await startQueueWorker(ctx.config, log);
  stdout.write(`f2d worker ${worker.name}: waiting for jobs${worker.metricsUrl === null ? '' : `, metrics on ${worker.metricsUrl}`} (Ctrl-C stops after the jobs in progress)\n`);
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  log.info('stopping: finishing the jobs in progress');
  await worker.close();
  return EXIT_CODES.interrupted;
}
