/**
 * `f2d degrade <input> --weather <name> [-o <output>] [--seed <n>]`: synthetic
 * weather from `models/synth` on a video, an image or a directory of images
 * (the job is `src/jobs/degrade-file.ts`).
 */
import { F2dError } from '../../errors.js';
import { planDegradeJob, runDegradeJob } from '../../jobs/degrade-file.js';
import type { RunSummary } from '../../restore/index.js';
import type { CommandContext } from './context.js';

/** `f2d degrade` argument handling. */
export async function degradeCommand(positionals: readonly string[], output: string | undefined, ctx: CommandContext): Promise<RunSummary> {
  const [input, ...extra] = positionals;
  if (input === undefined || extra.length > 0) {
    throw new F2dError(
      'ERR_CONFIG_USAGE',
      'config',
      input === undefined ? 'f2d degrade needs an input' : `f2d degrade takes one input, got also ${extra.join(' ')}`,
      { hint: 'usage: f2d degrade <input> --weather <name> [-o <output>] [--seed <n>]' },
    );
  }
  const weather = ctx.config.synth.weather;
  if (weather === null) {
    throw new F2dError('ERR_CONFIG_USAGE', 'config', 'f2d degrade needs --weather <name> (synth.weather)', {
      hint: 'e.g. --weather rain or --weather low_haze_snow; the 11 names are in models/synth/manifest.json',
    });
  }
  const plan = await planDegradeJob(input, output, weather, ctx.config, ctx.log);
  return runDegradeJob(plan, weather, ctx.config, ctx);
}
