/**
 * `f2d start`: restores the demo clip shipped in `models/demo/` (config
 * `start.input`) to a file and says where it went; a check of the install
 * without a browser (`npm start` serves the same clip live).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planFileJob, runFileJob } from '../../jobs/restore-file.js';
import type { RunSummary } from '../../restore/index.js';
import type { CommandContext } from './context.js';

/** Where the restored clip goes when `start.output` is null. */
export function defaultStartOutput(): string {
  return join(tmpdir(), 'f2d-stream', 'demo-restored.mp4');
}

export async function startCommand(ctx: CommandContext): Promise<RunSummary> {
  const { start } = ctx.config;
  const output = start.output ?? defaultStartOutput();
  // The default output is f2d's own scratch file: replacing it needs no --overwrite.
  const config = start.output === null ? { ...ctx.config, output: { ...ctx.config.output, overwrite: true } } : ctx.config;
  ctx.log.info(`restoring ${start.input}`);
  const plan = await planFileJob(start.input, output, config, ctx.log);
  return runFileJob(plan, config, ctx);
}
