/**
 * What `src/cli/main.ts` hands every command. Defined here, beside the
 * commands, so that they import nothing from the CLI's own modules (main
 * imports them: the arrow runs one way).
 */
import type { Config } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { ProgressSink } from '../../restore/index.js';

export interface CommandContext {
  readonly config: Config;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Makes the progress view (a bar or plain lines, drawn by `src/cli/progress.ts`) for a unit (frames or images). */
  readonly progress: (unit: string) => ProgressSink;
}

/** The parsed command line as the commands read it (`src/cli/args.ts` fills it). */
export interface CommandArgs {
  readonly positionals: readonly string[];
  /** `-o <path>`. */
  readonly output: string | undefined;
  /** `--json`. */
  readonly json: boolean;
  /** `f2d eval --pairs <degradedDir> <cleanDir>`: score existing images instead of the benchmark. */
  readonly pairs: boolean;
  /** `f2d eval --clip <video>`: the flicker of a restored clip instead of the benchmark. */
  readonly clip: boolean;
  /** `f2d queue add --wait`: block until every enqueued file is done. */
  readonly wait: boolean;
}
