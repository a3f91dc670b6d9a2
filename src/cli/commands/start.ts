/**
 * `f2d start` (what `npm start` runs): restores the bundled sample clip and
 * says where the result went.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planFileJob, runFileJob } from '../../jobs/restore-file.js';
import type { RunSummary } from '../../restore/index.js';
import type { CommandContext } from './context.js';

/** Where the sample goes when `start.output` is null. */
export function defaultStartOutput(): string {
  return join(tmpdir(), 'f2d-stream', 'sample-restored.mp4');
}

export async function startCommand(ctx: CommandContext): Promise<RunSummary> {
  const { start } = ctx.config;
  const output = start.output ?? defaultStartOutput();
  // The default output is f2d's own scratch file: replacing it needs no --overwrite.
  const config = start.output === null ? { ...ctx.config, output: { ...ctx.config.output, overwrite: true } } : ctx.config;
  ctx.log.info(`restoring the sample clip ${start.input}`);
  const plan = await planFileJob(start.input, output, config, ctx.log);
  return runFileJob(plan, config, ctx);
}
