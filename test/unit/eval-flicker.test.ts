import assert from 'node:assert/strict';
import { FlickerMeter, luma, staticMask } from '../../src/eval/flicker.js';
import type { RgbImage } from '../../src/eval/metrics.js';

const W = 96;
const H = 64;

/** A deterministic uniform [0,1) source (LCG), so the noise is the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A smooth static scene, plus an optional bright 16x16 square whose left edge is at `squareX`. */
function scene(squareX: number | null = null): Float64Array {
  const v = new Float64Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inSquare = squareX !== null && x >= squareX && x < squareX + 16 && y >= 24 && y < 40;
      const i = (y * W + x) * 3;
      v[i] = inSquare ? 250 : 60 + x;
      v[i + 1] = inSquare ? 250 : 50 + 2 * y;
      v[i + 2] = inSquare ? 250 : 120;
    }
  }
  return v;
}

const toImage = (v: Float64Array): RgbImage => ({ width: W, height: H, data: Uint8Array.from(v, (x) => Math.max(0, Math.min(255, Math.round(x)))) });

/** Per-frame Gaussian noise of σ levels (Box–Muller), the same on all three channels. */
function noisy(base: Float64Array, sigma: number, rand: () => number): Float64Array {
  const out = new Float64Array(base.length);
  for (let p = 0; p < W * H; p++) {
    const n = sigma * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    for (let c = 0; c < 3; c++) out[p * 3 + c] = base[p * 3 + c]! + n;
  }
  return out;
}

describe('eval/flicker', () => {
  const FRAMES = 12;

  it('luma is BT.601 in 8-bit levels', () => {
    const y = luma({ width: 2, height: 1, data: Uint8Array.from([255, 255, 255, 255, 0, 0]) });
    assert.ok(Math.abs(y[0]! - 255) < 1e-3);
    assert.ok(Math.abs(y[1]! - 0.299 * 255) < 1e-3);
  });

  it('a static scene with frame noise: a temporal denoiser scores below 1, identity exactly 1', () => {
    const rand = lcg(7);
    const clean = scene();
    const denoiser = new FlickerMeter();
    const identity = new FlickerMeter();
    let average: Float64Array | null = null;
    for (let t = 0; t < FRAMES; t++) {
      const input = noisy(clean, 8, rand);
      // A running mean of the frames so far: what a temporal filter does on a still scene.
      average = average === null ? input : average.map((v, i) => v + (input[i]! - v) / (t + 1));
      denoiser.add(toImage(input), toImage(average));
      identity.add(toImage(input), toImage(input));
    }
    const d = denoiser.result();
    assert.equal(d.mask, 'input-median');
    assert.equal(d.pairs, FRAMES - 1);
    assert.equal(d.staticShare, 1, 'nothing moves, the noise averages out in the blocks');
    // |ΔY| of two independent N(0, 8²) samples: 8·√2·√(2/π) ≈ 9.0 levels (less the 8-bit rounding).
    assert.ok(d.input > 8 && d.input < 10, `input flicker ${d.input}`);
    assert.ok(d.ratio !== null && d.ratio < 0.5, `denoiser ratio ${d.ratio}`);
    assert.equal(identity.result().ratio, 1);
  });

  it('a per-frame random brightness jitter scores above 1', () => {
    const rand = lcg(11);
    const jitter = lcg(12);
    const clean = scene();
    const meter = new FlickerMeter();
    for (let t = 0; t < FRAMES; t++) {
      const input = noisy(clean, 4, rand);
      // ±8 levels on the output only: the mask comes from the input, so every pixel still counts.
      const shift = (jitter() * 2 - 1) * 8;
      meter.add(toImage(input), toImage(input.map((v) => v + shift)));
    }
    const r = meter.result();
    assert.equal(r.staticShare, 1);
    assert.ok(r.ratio !== null && r.ratio > 1.2, `jitter ratio ${r.ratio}`);
  });

  it('with a clean reference, the moving square and its neighbouring blocks are left out', () => {
    const rand = lcg(3);
    const meter = new FlickerMeter();
    for (let t = 0; t < FRAMES; t++) {
      const clean = scene(4 * t);
      const input = noisy(clean, 6, rand);
      meter.add(toImage(input), toImage(clean), toImage(clean));
    }
    const r = meter.result();
    assert.equal(r.mask, 'reference');
    assert.ok(r.staticShare > 0.2 && r.staticShare < 0.8, `static share ${r.staticShare}`);
    assert.ok(r.reference !== null && r.reference < 0.01, 'the clean clip is still where the mask says so');
    assert.ok(r.output < 0.01 && r.ratio !== null && r.ratio < 0.01, 'a perfect restoration does not flicker');
    const mask = staticMask(luma(toImage(scene(40))), luma(toImage(scene(44))), W, H);
    assert.equal(mask[30 * W + 50], 0, 'inside the square');
    assert.equal(mask[2 * W + 2], 1, 'a corner far from it');
  });

  it('without a clean clip, the temporal median of the input finds the static pixels through fresh noise', () => {
    const rand = lcg(5);
    const meter = new FlickerMeter();
    for (let t = 0; t < FRAMES; t++) {
      // σ 12: consecutive noisy frames differ by ~13 levels per pixel, far above the 3-level threshold.
      const input = noisy(scene(4 * t), 12, rand);
      meter.add(toImage(input), toImage(input));
    }
    const r = meter.result();
    assert.equal(r.mask, 'input-median');
    assert.ok(r.staticShare > 0.2 && r.staticShare < 0.8, `static share ${r.staticShare}: the square's blocks out, the rest in`);
    assert.ok(r.input > 12 && r.input < 15.5, `input flicker ${r.input}: the noise, not the moving square`);
  });

  it('refuses frames of another size, a reference on some frames only, and fewer than two frames', () => {
    const im = toImage(scene());
    const meter = new FlickerMeter();
    assert.throws(() => meter.result(), /at least two frames/);
    meter.add(im, im);
    assert.throws(() => meter.add(im, im, im), /every frame or with none/);
    assert.throws(() => meter.add({ width: 8, height: 8, data: new Uint8Array(192) }, im), /8x8 frame in a 96x64 clip/);
  });
});
