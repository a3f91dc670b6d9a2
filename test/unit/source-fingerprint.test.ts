import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_BYTES, sameSource, sourceFingerprint } from '../../src/queue/source-fingerprint.js';

describe('queue/source-fingerprint', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'f2d-fingerprint-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const bytes = (length: number, seed: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed) % 251));

  // A whole second: set through utimes, a time with a fraction of a millisecond can come back
  // a millisecond off (a float of seconds), which would make the file differ by its time alone.
  const FIXED_TIME = 1_700_000_000;

  /** Writes `content` with the fixed modification time. */
  function writeAtFixedTime(path: string, content: Buffer): void {
    writeFileSync(path, content);
    utimesSync(path, FIXED_TIME, FIXED_TIME);
  }

  /** Replaces the file with `content`, keeping the time it had (as `cp -p` or `rsync -t` do). */
  function replaceKeepingTime(path: string, content: Buffer): void {
    assert.equal(statSync(path).mtimeMs, FIXED_TIME * 1000);
    writeAtFixedTime(path, content);
  }

  it('sees the same file as the same source', async () => {
    const path = join(dir, 'a.mp4');
    writeFileSync(path, bytes(3 * SAMPLE_BYTES, 1));
    assert.ok(sameSource((await sourceFingerprint(path))!, await sourceFingerprint(path)));
  });

  it('sees a replacement of the same size and time at either end', async () => {
    const path = join(dir, 'a.mp4');
    const original = bytes(3 * SAMPLE_BYTES, 1);
    writeAtFixedTime(path, original);
    const then = (await sourceFingerprint(path))!;
    for (const at of [10, original.length - 10]) {
      const other = Buffer.from(original);
      other[at] = (other[at]! + 1) % 256;
      replaceKeepingTime(path, other);
      const now = await sourceFingerprint(path);
      assert.equal(now!.size, then.size);
      assert.equal(now!.mtimeMs, then.mtimeMs, 'size and time alone would call it the same');
      assert.equal(sameSource(then, now), false, `a byte changed at ${at}`);
    }
  });

  it('hashes a small file whole', async () => {
    const path = join(dir, 'small.mp4');
    writeAtFixedTime(path, bytes(1000, 2));
    const then = (await sourceFingerprint(path))!;
    replaceKeepingTime(path, bytes(1000, 3));
    assert.equal(sameSource(then, await sourceFingerprint(path)), false);
  });

  it('calls a missing source changed, and compares an old record by size and time', async () => {
    const path = join(dir, 'a.mp4');
    writeFileSync(path, bytes(100, 1));
    const now = (await sourceFingerprint(path))!;
    assert.equal(await sourceFingerprint(join(dir, 'gone.mp4')), null);
    assert.equal(sameSource(now, null), false);
    assert.equal(sameSource(undefined, now), false);
    const recordedBeforeTheSample = { size: now.size, mtimeMs: now.mtimeMs };
    assert.ok(sameSource(recordedBeforeTheSample, now));
    assert.equal(sameSource({ ...recordedBeforeTheSample, size: now.size + 1 }, now), false);
  });
});
