/**
 * A video whose picture size changes mid-stream (two resolutions joined as
 * `ffmpeg -f concat -c copy` does): every frame comes out at the first size,
 * the later pictures scaled to it whole, with one warning naming the frame
 * and both sizes. Before, the encoder got the larger pictures and wrote their
 * top-left quarter, silently.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RgbFrame } from '../../src/frame.js';
import { silentLogger } from '../../src/log.js';
import { fitRect, fitRgb } from '../../src/media/fit-picture.js';
import { VideoReader, cropResizeRgb, setFfmpegLogLevel } from '../../src/media/index.js';
import { restore } from '../../src/restore/index.js';
import { makeClip, remux, tmpDir } from '../helpers/clips.js';
import { IdentityRestorer } from '../helpers/identity-restorer.js';
import { decodeVideo } from '../helpers/media-tools.js';
import { naivePsnr } from '../helpers/naive-metrics.js';

/** Every decoded picture of `path`, as f2d's reader hands them out. */
async function pictures(path: string): Promise<RgbFrame[]> {
  const reader = await VideoReader.open(path, { log: silentLogger });
  const out: RgbFrame[] = [];
  try {
    for (let item = reader.next(); item.kind !== 'end'; item = reader.next()) if (item.kind === 'frame') out.push(item.frame.rgb);
  } finally {
    reader.close();
  }
  return out;
}

describe('restore: a picture size change mid-stream', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    setFfmpegLogLevel('quiet');
    dir = tmpDir('restore-size-change');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the first size, scales the later pictures whole, and warns once naming the frame and both sizes', async () => {
    const small = makeClip(join(dir, 'small.ts'), { width: 320, height: 180, seconds: 2 });
    const large = makeClip(join(dir, 'large.ts'), { width: 640, height: 360, seconds: 2 });
    const joined = remux([small, large], join(dir, 'joined.ts'));
    assert.deepEqual(decodeVideo(joined).sizes, ['320x180', '640x360'], 'the test input changes size');
    const output = join(dir, 'joined-out.mp4');
    const summary = await restore(joined, output, {
      restorer: new IdentityRestorer(),
      log: silentLogger,
      overwrite: false,
      encode: { crf: 18, preset: 'ultrafast' },
      image: { jpegQuality: 95, webpQuality: 95 },
    });
    assert.equal(summary.frames, 100);
    const warned = summary.warnings.filter((w) => /size/.test(w));
    assert.equal(warned.length, 1, summary.warnings.join('\n'));
    assert.match(warned[0]!, /frame 50 .*from 320x180 to 640x360/);
    assert.deepEqual(decodeVideo(output).sizes, ['320x180']);
    // Frame 75 of the output is frame 25 of the large clip, scaled down whole (not its top-left quarter).
    // Measured: 26 dB (the scaled picture's colour detail is finer than 4:2:0 at 320x180 holds);
    // the top-left quarter the encoder used to get scores 3 dB.
    const [restored, original] = [await pictures(output), await pictures(large)];
    const expected = cropResizeRgb(original[25]!, { x: 0, y: 0, width: 640, height: 360 }, 320, 180);
    const psnr = naivePsnr(restored[75]!, expected);
    assert.ok(psnr > 22, `frame 75 vs the large clip's frame 25 scaled to 320x180: ${psnr.toFixed(1)} dB`);
  });

  it('fits a picture of another shape with black bars, centred', () => {
    assert.deepEqual(fitRect(80, 60, 160, 90), { x: 20, y: 0, width: 120, height: 90 });
    assert.deepEqual(fitRect(640, 360, 320, 180), { x: 0, y: 0, width: 320, height: 180 });
    const white: RgbFrame = { width: 80, height: 60, data: new Uint8Array(80 * 60 * 3).fill(255) };
    const fitted = fitRgb(white, 160, 90);
    const at = (x: number, y: number): number => fitted.data[(y * 160 + x) * 3]!;
    assert.deepEqual([fitted.width, fitted.height, fitted.data.length], [160, 90, 160 * 90 * 3]);
    assert.deepEqual([at(5, 45), at(154, 45), at(80, 45), at(21, 1), at(138, 88)], [0, 0, 255, 255, 255]);
  });
});
