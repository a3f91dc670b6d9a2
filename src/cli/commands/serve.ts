/**
 * `f2d serve --source <uri>`: live restoration streamed to browser viewers.
 * The application itself is `src/jobs/serve-live.ts`; this runs it until
 * Ctrl-C and prints where to watch.
 */
import { EXIT_CODES } from '../../errors.js';
import { startServe } from '../../jobs/serve-live.js';
import type { CommandContext } from './context.js';

/**
 * Runs `f2d serve` until Ctrl-C (or SIGTERM, SIGHUP), or until every file source has ended (without loop).
 *
 * @returns the exit code: 0 when the source ended, 130 when stopped (main turns it into 128 + the
 *   signal's number, as for the other commands)
 */
export async function serveCommand(ctx: CommandContext, stdout: NodeJS.WritableStream): Promise<number> {
  const log = ctx.log.child('serve');
  const handle = await startServe(ctx.config, log);
  if (handle.streams.length === 1) {
    stdout.write(`f2d serve: open ${handle.server.viewerUrl} in Chromium or Firefox (Ctrl-C stops)\n`);
  } else {
    stdout.write(`f2d serve: ${handle.streams.length} streams; open ${handle.server.viewerUrl} for the list, or one of them in Chromium or Firefox (Ctrl-C stops):\n`);
    for (const [name, url] of handle.server.streamUrls) stdout.write(`  ${name}: ${url}\n`);
  }
  const aborted = new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    await Promise.race([handle.completion, aborted]);
  } finally {
    await handle.close();
  }
  for (const stream of handle.streams) {
    const s = stream.run.status();
    const who = handle.streams.length === 1 ? '' : `${stream.name}: `;
    log.info(`stopped: ${who}${s.framesIn} frames in, ${s.framesOut} out, ${s.dropped} dropped while the restorer was busy`);
  }
  return ctx.signal.aborted ? EXIT_CODES.interrupted : 0;
}
