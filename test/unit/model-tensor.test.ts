import assert from 'node:assert/strict';
import { cropInterleaved, cropPlanar, cropRgb, padRgb, paddedSize, roundUp } from '../../src/model/tensor.js';

/** A frame whose every byte encodes its own position, so any misplaced copy shows. */
function ramp(w: number, h: number): Uint8Array {
  const a = new Uint8Array(w * h * 3);
  for (let i = 0; i < a.length; i++) a[i] = (i * 7 + (i >> 8)) & 0xff;
  return a;
}

/** Reference edge-replication padding, written the slow obvious way. */
function padSlow(src: Uint8Array, w: number, h: number, pw: number, ph: number): Uint8Array {
  const out = new Uint8Array(pw * ph * 3);
  for (let y = 0; y < ph; y++) {
    for (let x = 0; x < pw; x++) {
      const sy = Math.min(y, h - 1);
      const sx = Math.min(x, w - 1);
      for (let c = 0; c < 3; c++) out[(y * pw + x) * 3 + c] = src[(sy * w + sx) * 3 + c]!;
    }
  }
  return out;
}

describe('model/tensor', () => {
  it('rounds sizes up to the multiple', () => {
    assert.deepEqual(paddedSize(637, 359, 16), { width: roundUp(637, 16), height: roundUp(359, 16) });
    assert.equal(roundUp(640, 16), 640);
    assert.equal(roundUp(641, 16), 656);
  });

  for (const [w, h, m] of [
    [1, 1, 16],
    [5, 3, 4],
    [37, 21, 16],
    [63, 47, 16],
    [64, 48, 16],
    [17, 100, 8],
  ] as const) {
    it(`pads ${w}x${h} to a multiple of ${m} by edge replication and crops back`, () => {
      const src = ramp(w, h);
      const { width: pw, height: ph } = paddedSize(w, h, m);
      const dst = new Uint8Array(pw * ph * 3).fill(0xaa);
      padRgb(src, w, h, dst, pw, ph);
      assert.deepEqual(dst, padSlow(src, w, h, pw, ph));
      const back = cropRgb(dst, pw, ph, w, h, new Uint8Array(w * h * 3));
      assert.deepEqual(back, src);
    });
  }

  it('reuses a padding buffer between frames without leftovers', () => {
    const buf = new Uint8Array(16 * 16 * 3);
    padRgb(ramp(9, 9), 9, 9, buf, 16, 16);
    const second = new Uint8Array(9 * 9 * 3).fill(3);
    padRgb(second, 9, 9, buf, 16, 16);
    assert.ok(buf.every((v) => v === 3));
  });

  it('rejects buffers of the wrong size and windows outside the frame', () => {
    assert.throws(() => padRgb(new Uint8Array(10), 2, 2, new Uint8Array(48), 4, 4), /padRgb source: 10 elements, 2x2x3 needs 12/);
    assert.throws(() => padRgb(new Uint8Array(12), 2, 2, new Uint8Array(3), 1, 1), /padRgb destination|smaller/);
    assert.throws(() => cropInterleaved(new Uint8Array(48), 4, 4, 3, 3, 0, 2, 2, new Uint8Array(12)), /outside 4x4/);
  });

  it('crops an interleaved window with row copies', () => {
    const src = ramp(10, 6);
    const win = cropInterleaved(src, 10, 6, 3, 3, 2, 4, 3, new Uint8Array(4 * 3 * 3));
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 4; x++) {
        for (let c = 0; c < 3; c++) assert.equal(win[(y * 4 + x) * 3 + c], src[((y + 2) * 10 + x + 3) * 3 + c]);
      }
    }
  });

  it('crops planar maps channel by channel', () => {
    const c = 4;
    const [w, h] = [8, 5];
    const src = Float32Array.from({ length: c * w * h }, (_, i) => i);
    const out = cropPlanar(src, c, w, h, 2, 1, 3, 2, new Float32Array(c * 3 * 2));
    for (let k = 0; k < c; k++) {
      for (let y = 0; y < 2; y++) {
        for (let x = 0; x < 3; x++) assert.equal(out[(k * 2 + y) * 3 + x], src[k * w * h + (y + 1) * w + x + 2]);
      }
    }
  });
});
