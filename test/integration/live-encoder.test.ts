import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findSps, LiveH264Encoder, LiveInput } from '../../src/media/live/index.js';
import { isF2dError } from '../../src/errors.js';
import { SAMPLE_CLIP, setFfmpegLogLevel } from '../helpers/live.js';
import { decodeVideo } from '../helpers/media-tools.js';

const TMP = path.join('test', '.tmp', 'live-encoder');

describe('live (node-av): input and zero-reorder H.264 encoder', function () {
  this.timeout(60000);
  before(() => {
    setFfmpegLogLevel('quiet');
    mkdirSync(TMP, { recursive: true });
  });
  after(() => rmSync(TMP, { recursive: true, force: true }));

  it('encodes a clip with no reordering, SPS/PPS at each key frame, a forced key frame on request, decodable on its own', async () => {
    const input = await LiveInput.open(SAMPLE_CLIP, { width: 320, height: 240 });
    const encoder = await LiveH264Encoder.create({ width: 320, height: 240, fps: 10, preset: 'ultrafast', crf: 28, keyInterval: 20, threads: 1 });
    const units: Buffer[] = [];
    const keys: number[] = [];
    try {
      for (let i = 0; i < 30; i++) {
        const picture = await input.read();
        assert.ok(picture !== null, `frame ${i} of ${SAMPLE_CLIP}`);
        assert.equal(picture.data.length, 320 * 240 * 3);
        const au = await encoder.encode(picture.data, { forceKey: i === 7 });
        assert.ok(au !== null, 'one access unit per picture, at once');
        assert.equal(au.index, i);
        units.push(au.data);
        if (au.key) {
          keys.push(i);
          const sps = findSps(au.data);
          assert.ok(sps !== null, `key frame ${i} carries an SPS`);
          assert.equal(sps.maxNumReorderFrames, 0);
          assert.equal(`${sps.width}x${sps.height}`, '320x240');
          assert.match(sps.codec, /^avc1\.42/);
        } else {
          assert.equal(findSps(au.data), null);
        }
      }
    } finally {
      await encoder.close();
      await input.close();
    }
    assert.deepEqual(keys, [0, 7, 27]);
    const file = path.join(TMP, 'stream.h264');
    writeFileSync(file, Buffer.concat(units));
    const decoded = decodeVideo(file);
    assert.equal(decoded.frames, 30);
    assert.equal(decoded.reorderDelay, 0);
  });

  it('closes twice, refuses use after close, and checks picture sizes', async () => {
    const encoder = await LiveH264Encoder.create({ width: 64, height: 48, fps: 25, preset: 'ultrafast', crf: 30, keyInterval: 25, threads: 1 });
    await assert.rejects(encoder.encode(new Uint8Array(10)), /10 bytes, expected 9216/);
    await encoder.close();
    await encoder.close();
    await assert.rejects(encoder.encode(new Uint8Array(64 * 48 * 3)), (err: unknown) => isF2dError(err, 'ERR_ENCODE_CLOSED'));
    await assert.rejects(LiveH264Encoder.create({ width: 63, height: 48, fps: 25, preset: 'ultrafast', crf: 30, keyInterval: 25, threads: 1 }), /even size/);
  });

  it('live input: end of a file, close twice, read after close, a missing source', async () => {
    const input = await LiveInput.open(SAMPLE_CLIP, { width: 160, height: 120 });
    let frames = 0;
    while ((await input.read()) !== null) frames += 1;
    assert.ok(frames > 10, `${frames} frames`);
    await input.close();
    await input.close();
    await assert.rejects(input.read(), (err: unknown) => isF2dError(err, 'ERR_SOURCE_CLOSED'));
    await assert.rejects(LiveInput.open(path.join(TMP, 'missing.mp4')), (err: unknown) => isF2dError(err, 'ERR_SOURCE_OPEN') && /missing\.mp4/.test((err as Error).message));
  });
});
