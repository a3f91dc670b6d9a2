/**
 * Video restore through real node-av with an identity restorer: frame count,
 * timestamps (VFR), audio, rotation, damaged inputs, Ctrl-C, existing outputs.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { F2dError } from '../../src/errors.js';
import { createLogger, type Logger } from '../../src/log.js';
import { VideoReader, setFfmpegLogLevel } from '../../src/media/index.js';
import { restore, type RestoreRunOptions } from '../../src/restore/index.js';
import { corruptMiddle, makeClip, makeUnknownCodecClip, makeVfrClip, remux, tmpDir, truncateCopy } from '../helpers/clips.js';
import { IdentityRestorer } from '../helpers/identity-restorer.js';
import type { RestoreResult } from '../../src/model/types.js';
import type { RgbFrame } from '../../src/frame.js';
import { decodesCleanly, durationSec, framePtsTimes, probeStreams, psnrY } from '../helpers/media-tools.js';

describe('media: video restore (node-av, identity restorer)', function () {
  this.timeout(120_000);
  let dir: string;
  let lines: string[];
  let log: Logger;
  const opts = (extra: Partial<RestoreRunOptions> = {}): RestoreRunOptions => ({
    restorer: new IdentityRestorer(),
    log,
    overwrite: false,
    encode: { crf: 18, preset: 'ultrafast' },
    image: { jpegQuality: 95, webpQuality: 95 },
    ...extra,
  });

  before(() => {
    setFfmpegLogLevel('quiet');
    dir = tmpDir('media-video');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    lines = [];
    log = createLogger('test', 'debug', (l) => lines.push(l));
  });

  it('keeps frame count, size, duration and audio, and the pictures (mp4 with AAC)', async () => {
    const input = makeClip(join(dir, 'cfr.mp4'), { audio: true, seconds: 2, fps: 25 });
    const output = join(dir, 'cfr-out.mp4');
    const summary = await restore(input, output, opts());
    const [inV, inA] = probeStreams(input);
    const out = probeStreams(output);
    const outV = out.find((s) => s.type === 'video');
    const outA = out.find((s) => s.type === 'audio');
    assert.equal(summary.frames, 50);
    assert.equal(outV?.codec, 'h264');
    assert.equal(outV?.pixelFormat, 'yuv420p');
    assert.equal(outV?.packets, inV?.packets);
    assert.equal(outV?.width, inV?.width);
    assert.equal(outV?.height, inV?.height);
    assert.equal(outA?.codec, inA?.codec);
    assert.equal(outA?.packets, inA?.packets, 'every audio packet copied');
    assert.ok(Math.abs(durationSec(output) - durationSec(input)) < 0.05);
    assert.deepEqual(framePtsTimes(output), framePtsTimes(input));
    // An identity restorer must give back the same pictures, up to H.264 loss.
    assert.ok(psnrY(input, output) > 35, 'output pictures match the input');
    assert.equal(summary.damage, null);
    assert.equal(summary.interrupted, false);
    assert.ok((summary.stages.decode ?? 0) > 0 && (summary.stages.encode ?? 0) > 0);
  });

  it('keeps frame order with a restorer that works on several frames at once and finishes them out of order', async () => {
    const input = makeClip(join(dir, 'streams.mp4'), { seconds: 2, fps: 25 });
    const output = join(dir, 'streams-out.mp4');
    let inFlight = 0;
    let peak = 0;
    let n = 0;
    const concurrent = {
      concurrency: 3,
      async restore(frame: RgbFrame): Promise<RestoreResult> {
        inFlight++;
        peak = Math.max(peak, inFlight);
        // Later frames of each group of three finish first.
        await new Promise((r) => setTimeout(r, 6 - 2 * (n++ % 3)));
        inFlight--;
        return { frame: { width: frame.width, height: frame.height, data: frame.data.slice() }, timings: {} };
      },
      async close(): Promise<void> {},
    };
    const summary = await restore(input, output, opts({ restorer: concurrent }));
    assert.equal(summary.frames, 50);
    assert.equal(peak, 3, 'three frames were in flight');
    assert.ok(psnrY(input, output) > 35, 'frames come out in input order');
  });

  it('keeps variable frame rate timestamps frame by frame (mkv)', async () => {
    const input = makeVfrClip(join(dir, 'vfr.mkv'));
    const output = join(dir, 'vfr-out.mkv');
    await restore(input, output, opts());
    const inPts = framePtsTimes(input);
    const outPts = framePtsTimes(output);
    assert.equal(outPts.length, inPts.length);
    // Intervals change from 1/30 s to 0.1 s; a constant-rate output would lose that.
    assert.ok(inPts.some((t, i) => i > 0 && t - (inPts[i - 1] ?? 0) > 0.09));
    outPts.forEach((t, i) => assert.ok(Math.abs(t - (inPts[i] ?? Number.NaN)) < 0.0015, `frame ${i}: ${t} vs ${inPts[i]}`));
  });

  it('keeps rotation metadata (display matrix)', async () => {
    const plain = makeClip(join(dir, 'plain.mp4'));
    const input = remux([plain], join(dir, 'rot.mp4'), { rotation: 90 });
    const output = join(dir, 'rot-out.mp4');
    await restore(input, output, opts());
    const rot = (p: string): number | null | undefined => probeStreams(p)[0]?.rotation;
    assert.equal(rot(input), 90, 'the test input has a rotation');
    assert.equal(rot(output), rot(input));
  });

  it('writes every frame before mid-file damage, playable, with a warning naming the frame', async () => {
    const clean = makeClip(join(dir, 'long.mp4'), { audio: true, seconds: 4, gop: 25 });
    const input = corruptMiddle(clean, join(dir, 'corrupt.mp4'), 30_000);
    const output = join(dir, 'corrupt-out.mp4');
    const summary = await restore(input, output, opts());
    assert.ok(summary.damage, 'damage reported');
    assert.ok(summary.frames > 10 && summary.frames < 100, `frames: ${summary.frames}`);
    assert.equal(summary.damage.frame, summary.frames);
    assert.match(summary.warnings.join('\n'), new RegExp(`damaged at frame ${summary.frames}\\b`));
    // The damaged input's audio packets are copied as they are: check the video plays.
    decodesCleanly(output, 'video');
    assert.equal(framePtsTimes(output).length, summary.frames);
  });

  it('reports a truncated file (clean end of data, short of the stated duration)', async () => {
    const clean = makeClip(join(dir, 'long.mkv'), { seconds: 4 });
    const input = truncateCopy(clean, join(dir, 'trunc.mkv'), 0.5);
    const output = join(dir, 'trunc-out.mkv');
    const summary = await restore(input, output, opts());
    assert.ok(summary.damage, 'truncation reported');
    assert.match(summary.damage.reason, /truncated/);
    assert.ok(summary.frames > 0 && summary.frames < 100);
    decodesCleanly(output);
  });

  it('stops on abort (Ctrl-C) with a playable file of the frames done', async () => {
    const input = makeClip(join(dir, 'abort.mp4'), { seconds: 4, audio: true });
    const output = join(dir, 'abort-out.mp4');
    const controller = new AbortController();
    const restorer = new IdentityRestorer((i) => {
      if (i === 30) controller.abort();
    });
    const summary = await restore(input, output, opts({ restorer, signal: controller.signal }));
    assert.equal(summary.interrupted, true);
    assert.ok(summary.frames >= 30 && summary.frames <= 32, `frames: ${summary.frames}`);
    decodesCleanly(output);
    assert.equal(framePtsTimes(output).length, summary.frames);
  });

  it('aborted before the first frame: an interrupted error and no output file', async () => {
    const input = makeClip(join(dir, 'early.mp4'));
    const output = join(dir, 'early-out.mp4');
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(restore(input, output, opts({ signal: controller.signal })), (e: F2dError) => e.code === 'ERR_INTERRUPTED' && e.category === 'interrupted');
    assert.equal(existsSync(output), false);
  });

  it('refuses an existing output without overwrite, and leaves it untouched', async () => {
    const input = makeClip(join(dir, 'exists.mp4'));
    const output = join(dir, 'exists-out.mp4');
    writeFileSync(output, 'keep me');
    await assert.rejects(restore(input, output, opts()), (e: F2dError) => e.code === 'ERR_OUTPUT_EXISTS' && /--overwrite/.test(e.hint ?? ''));
    assert.equal(statSync(output).size, 'keep me'.length);
    await restore(input, output, opts({ overwrite: true }));
    assert.equal(framePtsTimes(output).length, 50);
  });

  it('names the file for missing, non-media and undecodable inputs', async () => {
    const notMedia = join(dir, 'text.mp4');
    writeFileSync(notMedia, 'hello, not a video\n');
    const unknown = makeUnknownCodecClip(join(dir, 'unknown.avi'));
    const cases: [string, string][] = [
      [join(dir, 'missing.mp4'), 'ERR_INPUT_NOT_FOUND'],
      [notMedia, 'ERR_INPUT_NOT_MEDIA'],
      [unknown, 'ERR_INPUT_UNSUPPORTED_CODEC'],
    ];
    for (const [input, code] of cases) {
      await assert.rejects(restore(input, join(dir, 'never.mp4'), opts()), (e: F2dError) => {
        assert.equal(e.code, code);
        assert.ok(e.message.includes(input), e.message);
        assert.ok(e.hint, 'has a hint');
        return true;
      });
    }
    assert.equal(existsSync(join(dir, 'never.mp4')), false);
  });

  it('leaves no partial file when the restorer fails', async () => {
    const input = makeClip(join(dir, 'fail.mp4'));
    const output = join(dir, 'fail-out.mp4');
    const restorer = new IdentityRestorer((i) => {
      if (i === 5) throw new F2dError('ERR_MODEL_RUN', 'model', 'boom');
    });
    await assert.rejects(restore(input, output, opts({ restorer })), /boom/);
    assert.equal(existsSync(output), false);
  });

  it('VideoReader: close twice is fine, next() after close throws a typed error', async () => {
    const reader = await VideoReader.open(makeClip(join(dir, 'life.mp4')), { log });
    assert.equal(reader.next().kind, 'frame');
    reader.close();
    reader.close();
    assert.throws(() => reader.next(), (e: F2dError) => e.code === 'ERR_MEDIA_CLOSED');
  });

  it('odd-sized frames keep their size', async () => {
    const input = join(dir, 'odd.mkv');
    makeClip(input, { width: 159, height: 119, pixelFormat: 'yuv444p' });
    const output = join(dir, 'odd-out.mkv');
    await restore(input, output, opts());
    const v = probeStreams(output)[0];
    assert.equal(v?.width, 159);
    assert.equal(v?.height, 119);
    assert.match(lines.join('\n'), /odd side/);
  });
});
