import assert from 'node:assert/strict';
import { planAxis, planTiles, restoreTiled, type TiledFrame } from '../../src/model/tiles.js';

/**
 * A stand-in for a convolutional restorer: a (2r+1)^2 box blur with edge
 * clamping, plus a per-pixel term from the maps. Its receptive field is r,
 * so with overlap >= r tiling must reproduce the whole-frame result exactly.
 */
function localNet(r: number, scale: number) {
  return async (img: Uint8Array, w: number, h: number, maps: Float32Array): Promise<Uint8Array> => {
    const out = new Uint8Array(w * h * 3);
    const mw = w / scale;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const m = maps[Math.floor(y / scale) * mw + Math.floor(x / scale)]!;
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let dy = -r; dy <= r; dy++) {
            for (let dx = -r; dx <= r; dx++) {
              const yy = Math.min(h - 1, Math.max(0, y + dy));
              const xx = Math.min(w - 1, Math.max(0, x + dx));
              sum += img[(yy * w + xx) * 3 + c]!;
            }
          }
          out[(y * w + x) * 3 + c] = Math.round(sum / (2 * r + 1) ** 2 + m * 10) & 0xff;
        }
      }
    }
    return out;
  };
}

function frame(pw: number, ph: number, w: number, h: number, scale: number): TiledFrame {
  const image = Uint8Array.from({ length: pw * ph * 3 }, (_, i) => (i * 31 + (i % 7) * 13) & 0xff);
  const maps = Float32Array.from({ length: 4 * (pw / scale) * (ph / scale) }, (_, i) => (i % 17) / 17);
  return { image, paddedW: pw, paddedH: ph, width: w, height: h, maps, mapsChannels: 4, mapsScale: scale };
}

describe('model/tiles', () => {
  it('covers an axis exactly once, with windows on the size multiple and margins >= overlap', () => {
    for (const [length, tile, overlap, m] of [
      [640, 256, 16, 16],
      [720, 128, 32, 16],
      [96, 48, 8, 16],
      [1088, 512, 0, 16],
    ] as const) {
      const ws = planAxis(length, tile, overlap, m);
      assert.equal(ws[0]!.keepStart, 0);
      assert.equal(ws.at(-1)!.keepEnd, length);
      ws.forEach((w, i) => {
        assert.equal(w.start % m, 0, `window ${i} of ${length}/${tile} starts off the multiple`);
        assert.ok(w.start >= 0 && w.start + w.size <= length);
        if (i > 0) {
          assert.equal(w.keepStart, ws[i - 1]!.keepEnd, 'kept parts must touch');
          assert.ok(w.keepStart - w.start >= overlap, `left margin of window ${i} below overlap`);
        }
        if (i < ws.length - 1) assert.ok(w.start + w.size - w.keepEnd >= overlap, `right margin of window ${i} below overlap`);
      });
    }
  });

  it('uses one tile when tiling is off or the frame fits', () => {
    assert.equal(planTiles(640, 368, 0, 16, 16).length, 1);
    assert.equal(planTiles(640, 368, 640, 16, 16).length, 1);
    assert.ok(planTiles(640, 368, 256, 16, 16).length > 1);
  });

  it('refuses a tile too small for its overlap, naming both', () => {
    assert.throws(() => planAxis(640, 32, 16, 16), /tile size 32 .* overlap of 16/);
  });

  for (const [pw, ph, w, h, tile, overlap] of [
    [96, 64, 93, 61, 48, 8],
    [160, 96, 160, 96, 64, 16],
    [128, 128, 117, 128, 32, 8],
  ] as const) {
    it(`tiles ${w}x${h} (padded ${pw}x${ph}) in ${tile}px tiles with overlap ${overlap} without seams`, async () => {
      const f = frame(pw, ph, w, h, 4);
      const net = localNet(3, 4);
      const whole = await net(f.image, pw, ph, f.maps);
      const wholeCropped = new Uint8Array(w * h * 3);
      for (let y = 0; y < h; y++) wholeCropped.set(whole.subarray(y * pw * 3, (y * pw + w) * 3), y * w * 3);
      const tiles = planTiles(pw, ph, tile, overlap, 16);
      assert.ok(tiles.length > 1);
      const tiled = await restoreTiled(f, tiles, net);
      assert.deepEqual(tiled, wholeCropped);
    });
  }

  it('shows seams when the overlap is below the receptive field (the check above can fail)', async () => {
    const f = frame(96, 64, 96, 64, 4);
    const net = localNet(6, 4);
    const whole = await net(f.image, 96, 64, f.maps);
    const tiled = await restoreTiled(f, planTiles(96, 64, 48, 0, 16), net);
    assert.notDeepEqual(tiled, whole);
  });
});
