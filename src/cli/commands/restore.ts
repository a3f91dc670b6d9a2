/**
 * `f2d restore <input> [-o <output>]`: checks the arguments and runs the file
 * job (`src/jobs/restore-file.ts`).
 */
import { F2dError } from '../../errors.js';
import { planFileJob, runFileJob } from '../../jobs/restore-file.js';
import type { RunSummary } from '../../restore/index.js';
import type { CommandContext } from './context.js';

/** `f2d restore` argument handling. */
export async function restoreCommand(positionals: readonly string[], output: string | undefined, ctx: CommandContext): Promise<RunSummary> {
  const [input, ...extra] = positionals;
  if (input === undefined) {
    throw new F2dError('ERR_CONFIG_USAGE', 'config', 'f2d restore needs an input: f2d restore <input> [-o <output>]', {
      hint: 'pass a video, an image or a directory of images',
    });
  }
  if (extra.length > 0) {
    throw new F2dError('ERR_CONFIG_USAGE', 'config', `f2d restore takes one input, got also ${extra.join(' ')}`, {
      hint: 'give the output with -o <output>; quote paths that contain spaces',
    });
  }
  const plan = await planFileJob(input, output, ctx.config, ctx.log);
  return runFileJob(plan, ctx.config, ctx);
}
