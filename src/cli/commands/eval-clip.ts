/**
 * `f2d eval --clip <video> [--weather <name>] [--limit <frames>]`: the flicker
 * of a restored clip against its input (`src/jobs/eval-clip.ts`).
 */
import { F2dError } from '../../errors.js';
import { formatClipReport } from '../../eval/clip-report.js';
import { runClipJob } from '../../jobs/eval-clip.js';
import type { CommandArgs, CommandContext } from './context.js';
import { jsonTarget, writeJson } from './eval-output.js';

/**
 * Runs it and prints its lines and/or JSON.
 *
 * @returns the exit code (0)
 */
export async function clipCommand(args: CommandArgs, ctx: CommandContext, stdout: NodeJS.WritableStream): Promise<number> {
  const [clip, ...rest] = args.positionals;
  if (clip === undefined) {
    throw new F2dError('ERR_CONFIG_USAGE', 'config', 'f2d eval --clip needs a video', {
      hint: 'usage: f2d eval --clip <video> [--weather <name>] [--limit <frames>] [--json [file]]',
    });
  }
  const target = jsonTarget(args, rest);
  const report = await runClipJob(clip, ctx.config, ctx);
  if (target.file !== null) await writeJson(target.file, report);
  stdout.write(target.stdout ? `${JSON.stringify(report, null, 2)}\n` : formatClipReport(report));
  return 0;
}
