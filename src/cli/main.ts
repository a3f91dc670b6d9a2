#!/usr/bin/env node
/**
 * The `f2d` command: argv → config → run → exit code. The only module that
 * calls `process.exit`.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, PACKAGE_ROOT } from '../config/load.js';
import { printableConfig } from '../config/printable.js';
import type { Config } from '../config/types.js';
import { EXIT_CODES, exitCodeFor, toF2dError, type F2dError } from '../errors.js';
import { createLogger, type LogSink } from '../log.js';
import { setFfmpegLogLevel } from '../media/index.js';
import { removeTemporaryOutputs, type RunSummary } from '../restore/index.js';
import { parseCliArgs, type ParsedArgs } from './args.js';
import { checkFlagsForCommand } from './command-keys.js';
import type { CommandContext } from './commands/context.js';
import { commandHelp, mainHelp } from './help.js';
import { createProgressView, type ProgressView } from './progress.js';
import { formatError, formatSummary, summaryJson } from './report.js';
import { listenForStop } from './stop-signals.js';

type Stream = NodeJS.WritableStream & { isTTY?: boolean };

export interface MainIo {
  readonly stdout: Stream;
  readonly stderr: Stream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted on Ctrl-C, SIGTERM or SIGHUP; the run stops after the frame in flight and keeps its output. */
  readonly signal: AbortSignal;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** Exit status for a finished run: damage in the input, images skipped as bad, and Ctrl-C are not successes. */
export function exitCodeForSummary(summary: RunSummary): number {
  if (summary.interrupted) return EXIT_CODES.interrupted;
  if (summary.damage || (summary.files?.failed.length ?? 0) > 0) return EXIT_CODES.decode;
  return 0;
}

async function runCommand(args: ParsedArgs, config: Config, io: MainIo, ctx: CommandContext): Promise<number> {
  // Each command's module is loaded when it runs: importing them all up front (BullMQ and ioredis,
  // ws and the live stack) cost every `f2d restore` 0.3 s of CPU at start-up.
  if (args.command === 'serve') return (await import('./commands/serve.js')).serveCommand(ctx, io.stdout);
  if (args.command === 'eval') return (await import('./commands/eval.js')).evalCommand(args, ctx, io.stdout);
  if (args.command === 'queue') return (await import('./commands/queue.js')).queueCommand(args, ctx, io.cwd, io.stdout);
  if (args.command === 'worker') return (await import('./commands/worker.js')).workerCommand(ctx, io.stdout);
  if (args.command === 'doctor') return (await import('./commands/doctor.js')).doctorCommand(args, ctx, io.stdout);
  const summary =
    args.command === 'start'
      ? await (await import('./commands/start.js')).startCommand(ctx)
      : args.command === 'degrade'
        ? await (await import('./commands/degrade.js')).degradeCommand(args.positionals, args.output, ctx)
        : await (await import('./commands/restore.js')).restoreCommand(args.positionals, args.output, ctx);
  for (const w of summary.warnings) ctx.log.warn(w);
  ctx.log.info(formatSummary(summary, args.command === 'degrade' ? 'degraded' : 'restored'));
  if (args.json) io.stdout.write(`${summaryJson(summary, { config })}\n`);
  return exitCodeForSummary(summary);
}

/**
 * Runs the CLI and returns the exit code (it never exits by itself).
 *
 * @example
 * ```ts
 * const code = await main(['restore', 'in.mp4', '-o', 'out.mp4'], { stdout, stderr, env, cwd, signal });
 * ```
 */
export async function main(argv: readonly string[], io: MainIo): Promise<number> {
  let verbose = argv.includes('--verbose') || argv.includes('-v');
  const ui: { view: ProgressView | null } = { view: null };
  const sink: LogSink = (line) => {
    ui.view?.clear();
    io.stderr.write(`${line}\n`);
  };
  try {
    const args = parseCliArgs(argv);
    verbose = args.verbose;
    if (args.help) {
      io.stdout.write(`${args.command === null ? mainHelp() : commandHelp(args.command)}\n`);
      return 0;
    }
    if (args.version) {
      io.stdout.write(`f2d-stream ${version()}\n`);
      return 0;
    }
    if (args.command !== null) checkFlagsForCommand(args.command, args.flags);
    const { config, warnings } = loadConfig({ configFile: args.configFile, pipeline: args.pipeline, env: io.env, flags: args.flags, cwd: io.cwd });
    const log = createLogger('cli', config.log.level, sink);
    for (const w of warnings) log.warn(w);
    if (args.printConfig) {
      io.stdout.write(`${JSON.stringify(printableConfig(config), null, 2)}\n`);
      return 0;
    }
    if (args.command === null) {
      io.stderr.write(`${mainHelp()}\n`);
      return EXIT_CODES.config;
    }
    setFfmpegLogLevel(config.log.level === 'debug' ? 'errors' : 'quiet');
    const ctx: CommandContext = {
      config,
      log,
      signal: io.signal,
      progress: (unit) => {
        ui.view = createProgressView({ mode: config.log.progress, stream: io.stderr, intervalSec: config.log.progressIntervalSec, unit });
        return ui.view;
      },
    };
    return await runCommand(args, config, io, ctx);
  } catch (err) {
    const error: F2dError = toF2dError(err);
    ui.view?.clear();
    io.stderr.write(`${formatError(error, verbose)}\n`);
    return exitCodeFor(error);
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch (err) {
    // argv[1] names no file (e.g. `node -e`): then this module was imported, not run.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

if (isEntryPoint()) {
  // Ctrl-C, SIGTERM and SIGHUP all stop the run keeping what was done (see stop-signals.ts).
  // A closed terminal (SIGHUP) or reader makes writes to it fail (EIO, EPIPE): the run must still
  // finish its output, so those failures are not let crash it; there is no one left to tell.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const stop = listenForStop(process, {
    say: (line) => process.stderr.write(line),
    quit: (code) => process.exit(code),
    cleanUp: removeTemporaryOutputs,
  });
  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: stop.signal,
  });
  // Exit explicitly: a model worker thread or native handle must not keep a finished CLI alive.
  process.exit(stop.exitCode(code));
}
