/**
 * What the CLI prints at the end: the error block, the human summary line,
 * and the `--json` summary.
 */
import { F2dError } from '../errors.js';
import { redactUrl } from '../redact.js';
import type { RunSummary } from '../restore/index.js';

/**
 * `error [CODE] message` + `hint: …`; the stack (and the causes' stacks) only when verbose.
 */
export function formatError(error: F2dError, verbose: boolean): string {
  const lines = [`error [${error.code}] ${error.message}`];
  if (error.hint) lines.push(`hint: ${error.hint}`);
  if (verbose) {
    let cur: unknown = error;
    while (cur instanceof Error) {
      if (cur.stack) lines.push(cur === error ? cur.stack : `caused by: ${cur.stack}`);
      cur = cur.cause;
    }
  }
  // Messages quote the source URL (`cannot open rtsp://…`): never with its password.
  return redactUrl(lines.join('\n'));
}

/** One line for people: `restored 80 frames in 3.2 s (25.0 fps) → out.mp4` (`verb`: `degraded` for `f2d degrade`). */
export function formatSummary(s: RunSummary, verb = 'restored'): string {
  const unit = s.kind === 'video' ? 'frames' : 'images';
  const n = s.expectedFrames !== null && s.frames !== s.expectedFrames ? `${s.frames} of ${s.expectedFrames}` : `${s.frames}`;
  // A short clip's average hides the rate a long one runs at: give both once start-up is known.
  const steady =
    s.startupSec !== undefined && s.steadyFps !== undefined && s.frames > 1
      ? `; ${s.steadyFps.toFixed(1)} fps after ${s.startupSec.toFixed(1)} s of start-up`
      : '';
  // Frames kept as they came in are written, not restored: say how many, or the count misleads.
  const parsedOnly = s.parsedOnlyFrames ? ` (${s.parsedOnlyFrames} by the parser alone, the restorer skipped)` : '';
  const clear = s.clearFrames ? `, ${s.clearFrames} of them clear and kept as they were${parsedOnly}` : '';
  return `${verb} ${n} ${unit}${clear} in ${s.seconds.toFixed(1)} s (${s.fps.toFixed(1)} fps${steady}) -> ${s.output}`;
}

/** The `--json` document. */
export function summaryJson(s: RunSummary, extra: Readonly<Record<string, unknown>>): string {
  const round = (v: number, d: number): number => Math.round(v * 10 ** d) / 10 ** d;
  const steady = s.steadyFps !== undefined && s.startupSec !== undefined ? { startupSec: round(s.startupSec, 3), steadyFps: round(s.steadyFps, 2) } : {};
  return JSON.stringify({ ...s, seconds: round(s.seconds, 3), fps: round(s.fps, 2), ...steady, ...extra }, null, 2);
}
