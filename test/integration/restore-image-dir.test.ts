/**
 * Directory runs against hostile input: a bad image is skipped and reported
 * while the rest are restored (exit 4); a re-run continues what is missing;
 * an output folder that is the input through a link is refused, so
 * `--overwrite` cannot replace the inputs.
 */
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitCodeForSummary } from '../../src/cli/main.js';
import type { F2dError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { setFfmpegLogLevel } from '../../src/media/index.js';
import { restore, type RestoreRunOptions } from '../../src/restore/index.js';
import { makeStill, tmpDir } from '../helpers/clips.js';
import { IdentityRestorer } from '../helpers/identity-restorer.js';

describe('restore: image directories with bad files, re-runs and links', function () {
  this.timeout(60_000);
  let dir: string;
  let lines: string[];
  const opts = (extra: Partial<RestoreRunOptions> = {}): RestoreRunOptions => ({
    restorer: new IdentityRestorer(),
    log: createLogger('test', 'info', (l) => lines.push(l)),
    overwrite: false,
    encode: { crf: 18, preset: 'ultrafast' },
    image: { jpegQuality: 95, webpQuality: 95 },
    ...extra,
  });
  /** Eight images, the third one not an image at all. */
  const makeSet = (name: string): string => {
    const src = join(dir, name);
    mkdirSync(src, { recursive: true });
    for (const n of ['1', '2', '4', '5', '6', '7', '8']) makeStill(join(src, `${n}.png`), 32, 24);
    writeFileSync(join(src, '3.png'), Buffer.from('\x89PNG\r\n\x1a\n not really a picture'));
    return src;
  };

  before(() => {
    setFfmpegLogLevel('quiet');
    dir = tmpDir('restore-image-dir');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    lines = [];
  });

  it('skips and reports a bad image, restores the other seven, and exits 4', async () => {
    const src = makeSet('bad');
    const out = join(dir, 'bad-out');
    const summary = await restore(src, out, opts());
    assert.equal(summary.frames, 7);
    assert.equal(summary.files?.failed.length, 1);
    assert.equal(summary.files?.failed[0]?.file, join(src, '3.png'));
    assert.match(summary.files?.failed[0]?.code ?? '', /^ERR_(INPUT|DECODE)_/);
    assert.equal(exitCodeForSummary(summary), 4);
    assert.deepEqual(readdirSync(out).sort(), ['1.png', '2.png', '4.png', '5.png', '6.png', '7.png', '8.png']);
    assert.ok(lines.some((l) => /^error: skipped ".*3\.png": \[ERR_/.test(l)), lines.join('\n'));
    assert.match(summary.warnings.join('\n'), /1 of 8 images could not be restored and were skipped: .*3\.png/);
    // The --json summary lists the failure.
    assert.equal((JSON.parse(JSON.stringify(summary)) as { files: { failed: unknown[] } }).files.failed.length, 1);
  });

  it('a re-run restores only what is missing and keeps the finished outputs; --overwrite redoes them', async () => {
    const src = makeSet('rerun');
    const out = join(dir, 'rerun-out');
    await restore(src, out, opts());
    rmSync(join(out, '5.png'));
    rmSync(join(out, '8.png'));
    const before = readFileSync(join(out, '1.png'));
    const again = await restore(src, out, opts());
    assert.deepEqual([again.frames, again.files?.kept, again.files?.failed.length], [2, 5, 1]);
    assert.match(again.warnings.join('\n'), /5 of 8 images were already restored .* pass --overwrite/);
    assert.deepEqual(readFileSync(join(out, '1.png')), before);
    // A name taken by something that is not a finished output is reported, not replaced.
    rmSync(join(out, '6.png'));
    writeFileSync(join(out, '6.png'), '');
    const third = await restore(src, out, opts());
    assert.deepEqual(third.files?.failed.map((f) => [f.file, f.code]), [
      [join(src, '3.png'), third.files?.failed[0]?.code],
      [join(src, '6.png'), 'ERR_OUTPUT_EXISTS'],
    ]);
    assert.equal(readFileSync(join(out, '6.png')).length, 0);
    const all = await restore(src, out, opts({ overwrite: true }));
    assert.deepEqual([all.frames, all.files?.kept, all.files?.failed.length], [7, 0, 1]);
  });

  it('refuses an output folder that is a symbolic link to the input folder, even with --overwrite', async () => {
    const src = join(dir, 'linked');
    mkdirSync(src, { recursive: true });
    makeStill(join(src, 'a.png'), 32, 24);
    const original = readFileSync(join(src, 'a.png'));
    const link = join(dir, 'linked-out');
    symlinkSync('linked', link);
    await assert.rejects(restore(src, link, opts({ overwrite: true })), (e: F2dError) => e.code === 'ERR_OUTPUT_IS_INPUT' && e.message.includes(link));
    // A file through the linked folder, and a hard link to the input file, are the input too.
    await assert.rejects(restore(join(src, 'a.png'), join(link, 'a.png'), opts({ overwrite: true })), (e: F2dError) => e.code === 'ERR_OUTPUT_IS_INPUT');
    const hard = join(dir, 'hard-link.png');
    linkSync(join(src, 'a.png'), hard);
    await assert.rejects(restore(join(src, 'a.png'), hard, opts({ overwrite: true })), (e: F2dError) => e.code === 'ERR_OUTPUT_IS_INPUT');
    assert.deepEqual(readFileSync(join(src, 'a.png')), original);
    assert.deepEqual(readdirSync(src), ['a.png']);
  });
});
