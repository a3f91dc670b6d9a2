/**
 * Images and image directories through real node-av with an identity restorer.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { F2dError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { readImage, setFfmpegLogLevel } from '../../src/media/index.js';
import { restore, type RestoreRunOptions } from '../../src/restore/index.js';
import { makeStill, tmpDir } from '../helpers/clips.js';
import { IdentityRestorer } from '../helpers/identity-restorer.js';
import { probeStreams } from '../helpers/media-tools.js';

describe('media: image restore (node-av, identity restorer)', function () {
  this.timeout(60_000);
  let dir: string;
  const opts = (extra: Partial<RestoreRunOptions> = {}): RestoreRunOptions => ({
    restorer: new IdentityRestorer(),
    log: silentLogger,
    overwrite: false,
    encode: { crf: 18, preset: 'ultrafast' },
    image: { jpegQuality: 95, webpQuality: 95 },
    ...extra,
  });

  before(() => {
    setFfmpegLogLevel('quiet');
    dir = tmpDir('media-images');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [ext, codec] of [
    ['png', 'png'],
    ['jpg', 'mjpeg'],
    ['webp', 'webp'],
  ] as const) {
    it(`restores a ${ext} into a ${ext} of the same size`, async () => {
      const input = makeStill(join(dir, `in.${ext}`));
      const output = join(dir, `out.${ext}`);
      const summary = await restore(input, output, opts());
      assert.equal(summary.kind, 'image');
      assert.equal(summary.frames, 1);
      const s = probeStreams(output)[0];
      assert.equal(s?.codec, codec);
      assert.equal(s?.width, 96);
      assert.equal(s?.height, 64);
    });
  }

  it('a png round trip is lossless', async () => {
    const input = makeStill(join(dir, 'exact.png'));
    const output = join(dir, 'exact-out.png');
    await restore(input, output, opts());
    const a = await readImage(input);
    const b = await readImage(output);
    assert.equal(Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)), 0);
  });

  it('a directory becomes a directory with the same names and formats', async () => {
    const src = join(dir, 'set');
    mkdirSync(src, { recursive: true });
    makeStill(join(src, 'a.png'), 64, 48);
    makeStill(join(src, 'b.jpg'), 80, 60);
    makeStill(join(src, 'c.webp'), 48, 32);
    writeFileSync(join(src, 'notes.txt'), 'not an image');
    const out = join(dir, 'set-out');
    const summary = await restore(src, out, opts());
    assert.equal(summary.kind, 'image-dir');
    assert.equal(summary.frames, 3);
    assert.deepEqual(readdirSync(out).sort(), ['a.png', 'b.jpg', 'c.webp']);
    const codecs = ['a.png', 'b.jpg', 'c.webp'].map((n) => probeStreams(join(out, n))[0]);
    assert.deepEqual(
      codecs.map((c) => [c?.codec, c?.width, c?.height]),
      [
        ['png', 64, 48],
        ['mjpeg', 80, 60],
        ['webp', 48, 32],
      ],
    );
    // Again without --overwrite: the finished outputs are kept and their images skipped, with a note.
    const kept = await restore(src, out, opts());
    assert.deepEqual([kept.frames, kept.files?.kept], [0, 3]);
    assert.match(kept.warnings.join('\n'), /3 of 3 images were already restored .*--overwrite/);
    const again = await restore(src, out, opts({ overwrite: true }));
    assert.equal(again.frames, 3);
  });

  it('stops a directory run on abort and says how many were done', async () => {
    const src = join(dir, 'many');
    mkdirSync(src, { recursive: true });
    for (const n of ['1', '2', '3', '4']) makeStill(join(src, `${n}.png`), 32, 32);
    const controller = new AbortController();
    const restorer = new IdentityRestorer((i) => {
      if (i === 1) controller.abort();
    });
    const summary = await restore(src, join(dir, 'many-out'), opts({ restorer, signal: controller.signal }));
    assert.equal(summary.interrupted, true);
    assert.equal(summary.frames, 2);
    assert.equal(readdirSync(join(dir, 'many-out')).length, 2);
  });

  it('rejects an image input with a video output name, and an empty directory', async () => {
    const input = makeStill(join(dir, 'x.png'));
    await assert.rejects(restore(input, join(dir, 'x.mp4'), opts()), (e: F2dError) => e.code === 'ERR_OUTPUT_FORMAT');
    const empty = join(dir, 'empty');
    mkdirSync(empty, { recursive: true });
    await assert.rejects(restore(empty, join(dir, 'empty-out'), opts()), (e: F2dError) => e.code === 'ERR_INPUT_NO_IMAGES');
  });

  it('a damaged image names the file', async () => {
    const bad = join(dir, 'bad.png');
    writeFileSync(bad, Buffer.from('\x89PNG\r\n\x1a\n garbage'));
    await assert.rejects(restore(bad, join(dir, 'bad-out.png'), opts()), (e: F2dError) => e.message.includes(bad));
  });
});
