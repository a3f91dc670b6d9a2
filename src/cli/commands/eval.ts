/**
 * `f2d eval`: the benchmark (`src/jobs/eval-benchmark.ts`) printed as a table
 * and/or JSON, or `f2d eval --pairs <degradedDir> <cleanDir>`, or
 * `f2d eval --clip <video>` (`./eval-clip.ts`).
 */
import { F2dError } from '../../errors.js';
import { scorePairs } from '../../eval/pairs.js';
import { formatBenchmarkTable } from '../../eval/report.js';
import { runBenchmarkJob } from '../../jobs/eval-benchmark.js';
import { readImage } from '../../media/index.js';
import type { CommandArgs, CommandContext } from './context.js';
import { clipCommand } from './eval-clip.js';
import { jsonTarget, writeJson } from './eval-output.js';

type Out = NodeJS.WritableStream;

async function pairsCommand(args: CommandArgs, ctx: CommandContext, stdout: Out): Promise<number> {
  const [degradedDir, cleanDir, ...rest] = args.positionals;
  if (degradedDir === undefined || cleanDir === undefined) {
    throw new F2dError('ERR_CONFIG_USAGE', 'config', 'f2d eval --pairs needs two folders', {
      hint: 'usage: f2d eval --pairs <degradedDir> <cleanDir> [--json [file]]',
    });
  }
  const target = jsonTarget(args, rest);
  const report = await scorePairs(degradedDir, cleanDir, readImage);
  if (target.file !== null) await writeJson(target.file, report);
  if (target.stdout) stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    stdout.write(`${report.count} pairs (${degradedDir} vs ${cleanDir}): PSNR ${report.mean.psnr.toFixed(2)} dB, SSIM ${report.mean.ssim.toFixed(4)}\n`);
  }
  ctx.log.debug(`scored ${report.count} pairs`);
  return 0;
}

/**
 * Runs `f2d eval` and prints its table and/or JSON.
 *
 * @returns the exit code (0)
 */
export async function evalCommand(args: CommandArgs, ctx: CommandContext, stdout: Out): Promise<number> {
  if (args.pairs) return pairsCommand(args, ctx, stdout);
  if (args.clip) return clipCommand(args, ctx, stdout);
  const target = jsonTarget(args, args.positionals);
  const report = await runBenchmarkJob(ctx.config, ctx);
  if (target.file !== null) await writeJson(target.file, report);
  stdout.write(target.stdout ? `${JSON.stringify(report, null, 2)}\n` : formatBenchmarkTable(report));
  return 0;
}
