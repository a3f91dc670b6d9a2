/**
 * Two quiet failures of odd inputs: a PNG with transparency came out as plain
 * RGB with no word (now its alpha plane is carried through unchanged for png
 * and webp, and a jpeg output says it is dropped), and an MP4 cut off before
 * its index said "not a media file" (now: truncated, moov atom not found).
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AV_PIX_FMT_RGBA, Encoder, FF_ENCODER_PNG, Frame } from 'node-av';
import type { F2dError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { readImageWithAlpha, setFfmpegLogLevel } from '../../src/media/index.js';
import { restore, type RestoreRunOptions } from '../../src/restore/index.js';
import { makeClip, tmpDir, truncateCopy } from '../helpers/clips.js';
import { IdentityRestorer } from '../helpers/identity-restorer.js';
import { probeStreams } from '../helpers/media-tools.js';

const W = 64;
const H = 48;

/** A 64x48 RGBA PNG: a colour pattern, alpha rising from 0 at the left to 252 at the right. */
function makeTransparentPng(path: string): { rgb: Uint8Array; alpha: Uint8Array } {
  const rgba = Buffer.alloc(W * H * 4);
  const rgb = new Uint8Array(W * H * 3);
  const alpha = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const px = [(x * 4) & 255, (y * 5) & 255, ((x + y) * 3) & 255];
      rgb.set(px, i * 3);
      alpha[i] = x * 4;
      rgba.set([...px, x * 4], i * 4);
    }
  }
  const frame = Frame.fromVideoBuffer(rgba, { width: W, height: H, format: AV_PIX_FMT_RGBA });
  try {
    writeFileSync(path, Encoder.encodeOneSync(FF_ENCODER_PNG, frame));
  } finally {
    frame.free();
  }
  return { rgb, alpha };
}

describe('restore: transparency and truncated MP4 inputs', function () {
  this.timeout(60_000);
  let dir: string;
  const opts: RestoreRunOptions = {
    restorer: new IdentityRestorer(),
    log: silentLogger,
    overwrite: false,
    encode: { crf: 18, preset: 'ultrafast' },
    image: { jpegQuality: 95, webpQuality: 95 },
  };
  before(() => {
    setFfmpegLogLevel('quiet');
    dir = tmpDir('restore-alpha-truncated');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a PNG keeps its alpha plane exactly, around the restored RGB', async () => {
    const input = join(dir, 'logo.png');
    const made = makeTransparentPng(input);
    const output = join(dir, 'logo-out.png');
    const summary = await restore(input, output, opts);
    assert.deepEqual(summary.warnings, []);
    assert.equal(probeStreams(output)[0]?.pixelFormat, 'rgba');
    const back = await readImageWithAlpha(output);
    assert.deepEqual(back.alpha, made.alpha);
    assert.deepEqual(back.rgb.data, made.rgb, 'identity restorer + lossless png: the same RGB');
  });

  it('a webp output keeps the alpha; a jpeg output says it was dropped', async () => {
    const input = join(dir, 'logo2.png');
    const made = makeTransparentPng(input);
    const webp = join(dir, 'logo2.webp');
    await restore(input, webp, opts);
    const back = await readImageWithAlpha(webp);
    assert.ok(back.alpha !== null, `webp decoded as ${probeStreams(webp)[0]?.pixelFormat}`);
    const worst = Math.max(...back.alpha.map((a, i) => Math.abs(a - made.alpha[i]!)));
    assert.ok(worst <= 2, `alpha differs by up to ${worst}`);
    const jpeg = join(dir, 'logo2.jpg');
    const summary = await restore(input, jpeg, opts);
    assert.match(summary.warnings.join('\n'), /has transparency, which .*logo2\.jpg.* cannot hold: it was dropped/);
  });

  it('an MP4 cut off before its index says it is truncated (moov atom not found), with a hint', async () => {
    // Without faststart the index is written last, as cameras and recorders do.
    const whole = makeClip(join(dir, 'camera.mp4'), { seconds: 2, muxerOptions: {} });
    const cut = truncateCopy(whole, join(dir, 'camera-cut.mp4'), 0.6);
    await assert.rejects(
      restore(cut, join(dir, 'camera-out.mp4'), opts),
      (e: F2dError) =>
        e.code === 'ERR_INPUT_TRUNCATED' && e.category === 'input' && /truncated or damaged MP4\/MOV/.test(e.message) && /moov atom not found/.test(e.message) && /index/.test(e.hint ?? ''),
    );
    // Text with an .mp4 name is still "not a media file".
    const text = join(dir, 'notes.mp4');
    writeFileSync(text, 'just text');
    await assert.rejects(restore(text, join(dir, 'notes-out.mp4'), opts), (e: F2dError) => e.code === 'ERR_INPUT_NOT_MEDIA');
  });
});
