/**
 * Whether a source changed since it was cut into segments: its size, modification time and a
 * hash of its first and last 64 KiB. Not a hash of the whole content: that would read hours of
 * video from the shared storage for every retry, where this reads 128 KiB. Size and time alone
 * (as `make` and rsync tell a change) miss a file replaced by one of the same size with its time
 * kept (`cp -p`, `rsync -t`, a restore from backup); the sampled ends catch that, since a video's
 * header and index (or its last packets) differ between two recordings.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { SourceFingerprint } from './job-data.js';

/** Bytes hashed at each end of the file. */
export const SAMPLE_BYTES = 64 * 1024;

/** The fingerprint of `path`, or `null` when it cannot be read (gone, no permission). */
export async function sourceFingerprint(path: string): Promise<SourceFingerprint | null> {
  try {
    const info = await stat(path);
    return { size: info.size, mtimeMs: Math.trunc(info.mtimeMs), sample: await sampleEnds(path, info.size) };
  } catch {
    // The worker's restore reports a missing input with its own error; here it only means "changed".
    return null;
  }
}

async function sampleEnds(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const file = await open(path, 'r');
  try {
    // the two ends overlap in a file under 128 KiB: read it once
    const ranges: Array<[position: number, length: number]> =
      size <= 2 * SAMPLE_BYTES ? [[0, size]] : [[0, SAMPLE_BYTES], [size - SAMPLE_BYTES, SAMPLE_BYTES]];
    for (const [position, length] of ranges) {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, position);
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return hash.digest('hex');
}

/**
 * Whether `now` is the source `then` was taken of. A fingerprint recorded before the sample
 * was (no `sample`) is compared by size and time alone.
 */
export function sameSource(then: SourceFingerprint | undefined, now: SourceFingerprint | null): boolean {
  if (then === undefined || now === null || then.size !== now.size || then.mtimeMs !== now.mtimeMs) return false;
  return then.sample === undefined || then.sample === now.sample;
}
