import assert from 'node:assert/strict';
import { AV_CODEC_ID_H264, AV_CODEC_ID_HEVC, AV_CODEC_ID_VP9 } from 'node-av';
import { isRandomAccessPoint, nalFormatOf } from '../../src/media/random-access-point.js';

const avcc = (...nals: string[]): Buffer => Buffer.concat(nals.map((hex) => {
  const nal = Buffer.from(hex, 'hex');
  const size = Buffer.alloc(4);
  size.writeUInt32BE(nal.length);
  return Buffer.concat([size, nal]);
}));
const annexB = (...nals: string[]): Buffer => Buffer.concat(nals.map((hex) => Buffer.from(`00000001${hex}`, 'hex')));

const H264 = nalFormatOf(AV_CODEC_ID_H264, Buffer.from('01640015ffe1', 'hex'));
const H264_ANNEX_B = nalFormatOf(AV_CODEC_ID_H264, null);
// SEI: recovery point (type 6, 1 byte): recovery_frame_cnt 0, exact_match 1, broken_link 0, then trailing bits.
const RECOVERY_EXACT = '06' + '0601' + 'c4' + '80';
const RECOVERY_2_FRAMES = '06' + '0601' + '64' + '80';
const NON_IDR_I = '41e0';
const IDR = '65b8';

describe('media: random access points (where a segment may start)', () => {
  it('reads the NAL length size of avcC, and Annex B without extradata', () => {
    assert.deepEqual(H264, { codec: 'h264', lengthSize: 4 });
    assert.deepEqual(H264_ANNEX_B, { codec: 'h264', lengthSize: null });
    assert.deepEqual(nalFormatOf(AV_CODEC_ID_VP9, null), { codec: 'other', lengthSize: null });
  });

  it('H.264: an IDR is one, in AVCC and in Annex B', () => {
    assert.equal(isRandomAccessPoint(avcc(IDR), H264), true);
    assert.equal(isRandomAccessPoint(annexB(IDR), H264_ANNEX_B), true);
  });

  it('H.264: a non-IDR I picture is one only with an exact recovery point of 0 frames', () => {
    assert.equal(isRandomAccessPoint(avcc(NON_IDR_I), H264), false);
    assert.equal(isRandomAccessPoint(avcc(RECOVERY_EXACT, NON_IDR_I), H264), true);
    assert.equal(isRandomAccessPoint(annexB(RECOVERY_EXACT, NON_IDR_I), H264_ANNEX_B), true);
    assert.equal(isRandomAccessPoint(avcc(RECOVERY_2_FRAMES, NON_IDR_I), H264), false);
    // x264's first SEI is user data (type 5) before the recovery point: both messages are read.
    assert.equal(isRandomAccessPoint(avcc('06' + '0502' + 'abcd' + '0601' + 'c4' + '80', NON_IDR_I), H264), true);
  });

  it('HEVC: IDR, CRA and BLA are; a trailing picture is not; other codecs keep the container flag', () => {
    const hevc = nalFormatOf(AV_CODEC_ID_HEVC, null);
    assert.equal(isRandomAccessPoint(annexB('2601'), hevc), true, 'IDR_W_RADL (19)');
    assert.equal(isRandomAccessPoint(annexB('2a01'), hevc), true, 'CRA (21)');
    assert.equal(isRandomAccessPoint(annexB('0201'), hevc), false, 'TRAIL_R (1)');
    assert.equal(isRandomAccessPoint(null, nalFormatOf(AV_CODEC_ID_VP9, null)), true);
  });
});
