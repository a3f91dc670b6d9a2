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

  /** Replaces the file with `content` and gives it back the modification time it had. */
  function replaceKeepingTime(path: string, content: Buffer): void {
    const { atime, mtime } = statSync(path);
    writeFileSync(path, content);
    utimesSync(path, atime, mtime);
  }

  it('sees the same file as the same source', async () => {
    const path = join(dir, 'a.mp4');
    writeFileSync(path, bytes(3 * SAMPLE_BYTES, 1));
    assert.ok(sameSource((await sourceFingerprint(path))!, await sourceFingerprint(path)));
  });

  it('sees a replacement of the same size and time at either end', async () => {
    const path = join(dir, 'a.mp4');
    const original = bytes(3 * SAMPLE_BYTES, 1);
    writeFileSync(path, original);
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
    writeFileSync(path, bytes(1000, 2));
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
