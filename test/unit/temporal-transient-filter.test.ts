import assert from 'node:assert/strict';
import type { RgbFrame } from '../../src/frame.js';
import { dilate, erode, TransientFilter, weatherToFilter } from '../../src/temporal/transient-filter.js';

const W = 96;
const H = 64;

/** A still, textured grey scene (the same every frame). */
function scene(): Uint8Array {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = 60 + ((x * 7 + y * 3) % 40);
      data.set([v, v + 5, v - 5], (y * W + x) * 3);
    }
  }
  return data;
}

/** Thin, faint (as the model leaves them) diagonal streaks at places that change with `seed`, added to `data`. */
function addStreaks(data: Uint8Array, seed: number, amount = 30): void {
  let s = seed * 7919 + 13;
  const rand = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let k = 0; k < 12; k++) {
    const x0 = Math.floor(rand() * W);
    const y0 = Math.floor(rand() * (H - 12));
    for (let t = 0; t < 12; t++) {
      const x = x0 + Math.floor(t / 4);
      const y = y0 + t;
      if (x >= W) continue;
      const o = (y * W + x) * 3;
      for (let c = 0; c < 3; c++) data[o + c] = Math.min(255, data[o + c]! + amount);
    }
  }
}

const frameOf = (data: Uint8Array): RgbFrame => ({ width: W, height: H, data });
const meanAbs = (a: Uint8Array, b: Uint8Array): number => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

describe('temporal: TransientFilter', () => {
  it('removes most of the moving streaks from a still scene once it has two earlier frames', () => {
    const clean = scene();
    const filter = new TransientFilter();
    let before = 0;
    let after = 0;
    for (let i = 0; i < 8; i++) {
      const data = clean.slice();
      addStreaks(data, i);
      const error = meanAbs(data, clean);
      const stats = filter.apply(frameOf(data));
      if (i < 2) {
        assert.equal(stats.cleanedShare, 0, 'nothing is changed while the history fills');
        continue;
      }
      before += error;
      after += meanAbs(data, clean);
      assert.ok(stats.stillShare > 0.9, `the scene is still: ${stats.stillShare}`);
    }
    assert.ok(after < 0.2 * before, `streak error ${before.toFixed(2)} -> ${after.toFixed(2)}`);
  });

  it('leaves a large moving bright object as it is', () => {
    const filter = new TransientFilter();
    for (let i = 0; i < 8; i++) {
      const data = scene();
      const x0 = 10 + i * 6;
      for (let y = 20; y < 44; y++) for (let x = x0; x < x0 + 24; x++) data.fill(230, (y * W + x) * 3, (y * W + x) * 3 + 3);
      const copy = data.slice();
      filter.apply(frameOf(data));
      for (let y = 20; y < 44; y++) {
        for (let x = x0; x < x0 + 24; x++) assert.equal(data[(y * W + x) * 3], copy[(y * W + x) * 3], `frame ${i}: pixel ${x},${y} of the moving box changed`);
      }
    }
  });

  it('never brightens, and leaves dark transients alone', () => {
    const filter = new TransientFilter();
    for (let i = 0; i < 6; i++) {
      const data = scene();
      const o = (30 * W + 30 + i) * 3;
      data.fill(0, o, o + 3); // a dark speck that moves
      const copy = data.slice();
      filter.apply(frameOf(data));
      assert.deepEqual(data, copy);
    }
  });

  it('keeps the history while told not to lower, so it can act on the next frame', () => {
    const clean = scene();
    const filter = new TransientFilter();
    for (let i = 0; i < 3; i++) {
      const data = clean.slice();
      addStreaks(data, i);
      const copy = data.slice();
      filter.apply(frameOf(data), false);
      assert.deepEqual(data, copy, 'lower = false changes nothing');
    }
    const data = clean.slice();
    addStreaks(data, 9);
    assert.ok(filter.apply(frameOf(data)).cleanedShare > 0);
  });

  it('starts again when the frame size changes', () => {
    const filter = new TransientFilter();
    for (let i = 0; i < 4; i++) filter.apply(frameOf(scene()));
    const small = { width: 32, height: 16, data: new Uint8Array(32 * 16 * 3).fill(90) };
    assert.equal(filter.apply(small).cleanedShare, 0);
  });

  it('is turned on by rain or snow from the parser', () => {
    assert.equal(weatherToFilter([0.9, 0.9, 0.1, 0.2]), false);
    assert.equal(weatherToFilter([0, 0, 0.5, 0]), true);
    assert.equal(weatherToFilter([0, 0, 0, 0.8]), true);
    assert.equal(weatherToFilter(undefined), false);
    assert.equal(weatherToFilter(null), false);
  });
});

describe('temporal: square filters', () => {
  const w = 9;
  const h = 7;
  const brute = (v: Uint8Array, r: number, pick: (a: number, b: number) => number): Uint8Array =>
    Uint8Array.from(v, (_, p) => {
      const x = p % w;
      const y = Math.floor(p / w);
      let acc = v[p]!;
      for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) acc = pick(acc, v[yy * w + xx]!);
      return acc;
    });

  it('erode keeps only pixels whose whole square (clipped at the borders) is marked', () => {
    const m = Uint8Array.from({ length: w * h }, (_, i) => ((i * 37) % 11 === 0 ? 0 : 1));
    const expected = brute(m, 2, Math.min);
    erode(m, w, h, 2, new Uint8Array(w * h));
    assert.deepEqual(m, expected);
  });

  it('dilate marks every pixel within r of a marked one', () => {
    const m = new Uint8Array(w * h);
    m[3 * w + 1] = 1;
    m[6 * w + 8] = 1;
    const expected = brute(m, 2, Math.max);
    dilate(m, w, h, 2, new Uint8Array(w * h));
    assert.deepEqual(m, expected);
  });
});
