/**
 * `f2d queue add <input>... -o <out-dir> [--wait]` and `f2d queue status
 * [--json]`: the distributed queue (`src/queue/`) seen from the command line.
 */
import { EXIT_CODES, F2dError } from '../../errors.js';
import { ERROR_CODES, isErrorCode } from '../../error-codes.js';
import { enqueueFiles, filesToAdd, waitForFiles, type FileOutcome } from '../../queue/enqueue.js';
import { failureCode } from '../../queue/job-data.js';
import { queueTarget } from '../../queue/queue-target.js';
import type { SegmentReuse } from '../../queue/retry-failed-file.js';
import { queueStatus } from '../../queue/status.js';
import type { CommandArgs, CommandContext } from './context.js';
import { formatQueueStatus } from './queue-status-table.js';

const USAGE = 'f2d queue add <video|image|dir>... -o <out-dir> [--wait] | f2d queue status [--json]';

/** Runs `f2d queue <add|status>` and returns the exit code. */
export async function queueCommand(args: CommandArgs, ctx: CommandContext, cwd: string, stdout: NodeJS.WritableStream): Promise<number> {
  const [action, ...inputs] = args.positionals;
  const target = queueTarget(ctx.config.queue);
  if (action === 'status' && inputs.length === 0) {
    const status = await queueStatus(target);
    stdout.write(args.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatQueueStatus(status)}\n`);
    return 0;
  }
  if (action !== 'add' || inputs.length === 0 || args.output === undefined) {
    throw new F2dError('ERR_CONFIG_USAGE', 'config', `usage: ${USAGE}`, { hint: 'f2d queue add needs inputs and -o <out-dir>, on storage every worker sees' });
  }
  const files = await enqueueFiles(target, await filesToAdd(inputs, args.output, cwd), ctx.config.output.overwrite);
  for (const f of files) ctx.log.info(`${f.state}: ${f.input} -> ${f.output}${f.reuse === undefined ? '' : ` (${reuseText(f.reuse)})`}`);
  if (!args.wait) {
    stdout.write(`${files.length} file(s) on queue "${target.name}"; f2d queue status shows their progress\n`);
    return 0;
  }
  const outcomes = await waitForFiles(target, files, ctx.signal);
  for (const o of outcomes) stdout.write(o.ok ? `${o.result.output}\n` : `failed: ${o.file.input}: ${o.reason}\n`);
  return exitCodeFor(outcomes);
}

/** "3 of 5 segments already restored, 2 queued": what a file added again after a failure reuses. */
function reuseText(reuse: SegmentReuse): string {
  return `${reuse.restored} of ${reuse.total} segments already restored, ${reuse.total - reuse.restored} queued`;
}

/** 0 when every file is done; else the exit code `f2d restore` gives for the first failure's error. */
function exitCodeFor(outcomes: readonly FileOutcome[]): number {
  const failed = outcomes.find((o) => !o.ok);
  if (failed === undefined || failed.ok) return 0;
  const code = failureCode(failed.reason);
  return code !== null && isErrorCode(code) ? EXIT_CODES[ERROR_CODES[code].category] : EXIT_CODES.internal;
}
