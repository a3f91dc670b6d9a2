import assert from 'node:assert/strict';
import { findSps, h264Extradata, nalType, parseSps, splitNalUnits } from '../../src/media/live/h264-bitstream.js';

// SPS written by this project's live encoder (x264, baseline, 640x360, no B-frames): it has
// emulation-prevention bytes and a frame crop (360 is not a multiple of 16).
const LIVE_SPS = Buffer.from('6742c01eda0280bfe584000003000400000300ca3c58ba80', 'hex');
// SPS of `ffmpeg -f lavfi -i testsrc=size=320x240 -c:v libx264 -bf 3`: High 4:4:4, B-frames.
const BFRAME_SPS = Buffer.from('67f4000d919b28283f6022000003000200000300641e28532c', 'hex');

describe('live: H.264 bitstream reading', () => {
  it('reads the live encoder SPS: codec string, cropped size, zero reordering', () => {
    const sps = parseSps(LIVE_SPS);
    assert.equal(sps.codec, 'avc1.42c01e');
    assert.equal(sps.width, 640);
    assert.equal(sps.height, 360);
    assert.equal(sps.maxNumReorderFrames, 0);
  });

  it('sees the reordering of a stream with B-frames (the check above can fail)', () => {
    const sps = parseSps(BFRAME_SPS);
    assert.equal(sps.profileIdc, 244);
    assert.equal(sps.width, 320);
    assert.equal(sps.height, 240);
    assert.ok((sps.maxNumReorderFrames ?? 0) > 0, `reorder frames ${sps.maxNumReorderFrames}`);
  });

  it('splits Annex-B on 3- and 4-byte start codes and finds the SPS', () => {
    const au = Buffer.concat([Buffer.from([0, 0, 0, 1]), LIVE_SPS, Buffer.from([0, 0, 1, 0x68, 0xce, 0x3c, 0x80]), Buffer.from([0, 0, 1, 0x65, 0x88, 0x84])]);
    const units = splitNalUnits(au);
    assert.deepEqual(units.map(nalType), [7, 8, 5]);
    assert.equal(findSps(au)?.codec, 'avc1.42c01e');
    assert.equal(findSps(Buffer.from([0, 0, 1, 0x41, 0x9a])), null);
  });

  it('takes a key frame\'s SPS and PPS, with 4-byte start codes, as extradata (not its slices)', () => {
    const pps = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
    const au = Buffer.concat([Buffer.from([0, 0, 0, 1, 0x09, 0xf0]), Buffer.from([0, 0, 0, 1]), LIVE_SPS, Buffer.from([0, 0, 1]), pps, Buffer.from([0, 0, 1, 0x65, 0x88, 0x84])]);
    assert.deepEqual(h264Extradata(au), Buffer.concat([Buffer.from([0, 0, 0, 1]), LIVE_SPS, Buffer.from([0, 0, 0, 1]), pps]));
    assert.equal(h264Extradata(Buffer.from([0, 0, 1, 0x41, 0x9a])).length, 0, 'a P frame has none');
  });

  it('refuses a unit that is not an SPS, and a truncated SPS', () => {
    assert.throws(() => parseSps(Buffer.from([0x68, 0xce])), /not an SPS/);
    assert.throws(() => parseSps(LIVE_SPS.subarray(0, 6)), /ends early/);
  });
});
