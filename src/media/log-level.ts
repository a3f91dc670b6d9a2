/**
 * FFmpeg's own log output (it writes to stderr from native code). Quiet by
 * default: f2d reports problems itself, with file names and frame numbers.
 */
import { AV_LOG_ERROR, AV_LOG_QUIET, AV_LOG_VERBOSE, Log } from 'node-av';

/** `quiet` (the default), `errors`, or `verbose` (with --verbose). */
export function setFfmpegLogLevel(level: 'quiet' | 'errors' | 'verbose'): void {
  Log.setLevel(level === 'quiet' ? AV_LOG_QUIET : level === 'errors' ? AV_LOG_ERROR : AV_LOG_VERBOSE);
}
