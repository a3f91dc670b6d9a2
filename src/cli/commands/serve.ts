/**
 * `f2d serve --source <uri>`: live restoration streamed to browser viewers.
 * The application itself is `src/jobs/serve-live.ts`; this runs it until
 * Ctrl-C and prints where to watch.
 */
import { startServe } from '../../jobs/serve-live.js';
import type { CommandContext } from './context.js';

/**
 * Runs `f2d serve` until Ctrl-C, or until a file source ends (without loop).
 *
 * @returns the exit code (0 on a clean stop)
 */
export async function serveCommand(ctx: CommandContext, stdout: NodeJS.WritableStream): Promise<number> {
  const log = ctx.log.child('serve');
  const handle = await startServe(ctx.config, log);
  stdout.write(`f2d serve: open ${handle.server.viewerUrl} in Chromium or Firefox (Ctrl-C stops)\n`);
  const aborted = new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    await Promise.race([handle.run.completion, aborted]);
  } finally {
    await handle.close();
  }
  const s = handle.run.status();
  log.info(`stopped: ${s.framesIn} frames in, ${s.framesOut} out, ${s.dropped} dropped while the restorer was busy`);
  return 0;
}
