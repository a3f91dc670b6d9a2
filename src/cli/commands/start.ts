/**
 * `f2d start` (what `npm start` runs): restores the bundled sample clip and
 * says where the result went. Live serving will replace this default.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '../../restore/index.js';
import { runRestore, type CommandContext } from './restore.js';

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
  return runRestore(start.input, output, { ...ctx, config });
}
