/**
 * Whether a source changed since it was cut into segments. Size and modification time, not a
 * hash of the content: they cost one `stat` on the shared storage, where hashing hours of video
 * would read it all, and a source that is fixed (recopied, repaired, re-exported) gets a new time.
 */
import { stat } from 'node:fs/promises';
import type { SourceFingerprint } from './job-data.js';

/** The fingerprint of `path`, or `null` when it cannot be read (gone, no permission). */
export async function sourceFingerprint(path: string): Promise<SourceFingerprint | null> {
  try {
    const info = await stat(path);
    return { size: info.size, mtimeMs: Math.trunc(info.mtimeMs) };
  } catch {
    // The worker's restore reports a missing input with its own error; here it only means "changed".
    return null;
  }
}

/** Whether `now` is the source `then` was taken of (as far as size and time tell). */
export function sameSource(then: SourceFingerprint | undefined, now: SourceFingerprint | null): boolean {
  return then !== undefined && now !== null && then.size === now.size && then.mtimeMs === now.mtimeMs;
}
