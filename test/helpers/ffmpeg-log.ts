/**
 * FFmpeg logs to stderr from native code. The test media tools make and check
 * files quietly, as the ffmpeg CLI with `-v error` and captured stderr did:
 * their failures are thrown, with the file named, not printed.
 */
import { AV_LOG_QUIET, Log } from 'node-av';

/** Runs `work` with FFmpeg's log silenced, then puts the level back as it was. */
export function quietly<T>(work: () => T): T {
  const level = Log.getLevel();
  Log.setLevel(AV_LOG_QUIET);
  try {
    return work();
  } finally {
    Log.setLevel(level);
  }
}
