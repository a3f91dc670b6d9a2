import assert from 'node:assert/strict';
import { fillGaussian, fillUniform, mixSeed } from '../../src/model/prng.js';

describe('model/prng (synthesis seeds)', () => {
  it('draws the same numbers from the same seed and others from another', () => {
    const a = fillUniform(new Float32Array(64), 42);
    assert.deepEqual(fillUniform(new Float32Array(64), 42), a);
    assert.notDeepEqual(fillUniform(new Float32Array(64), 43), a);
  });

  it('keeps its stream: a longer draw starts with the shorter one', () => {
    const short = fillUniform(new Float32Array(16), 7);
    const long = fillUniform(new Float32Array(1000), 7);
    assert.deepEqual(long.subarray(0, 16), short);
  });

  it('is uniform on [0,1): range, mean, variance and a 10-bin histogram', () => {
    const n = 100_000;
    const v = fillUniform(new Float32Array(n), 1);
    let sum = 0;
    let sq = 0;
    const bins = new Array<number>(10).fill(0);
    for (const x of v) {
      assert.ok(x >= 0 && x < 1, `value ${x} outside [0,1)`);
      sum += x;
      sq += x * x;
      bins[Math.floor(x * 10)]!++;
    }
    const mean = sum / n;
    // Uniform: mean 1/2, variance 1/12; the standard error of the mean is sqrt(1/12/n) ≈ 0.0009.
    assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
    assert.ok(Math.abs(sq / n - mean * mean - 1 / 12) < 0.005, `variance ${sq / n - mean * mean}`);
    for (const b of bins) assert.ok(Math.abs(b - n / 10) < n / 100, `bins ${bins.join(' ')}`);
  });

  it('fillGaussian is standard normal: finite, mean 0, variance 1, tails as a normal has them; seeded, odd lengths too', () => {
    const n = 100_001;
    const v = fillGaussian(new Float32Array(n), 3);
    let sum = 0;
    let sq = 0;
    let beyond2 = 0;
    for (const x of v) {
      assert.ok(Number.isFinite(x), `value ${x}`);
      sum += x;
      sq += x * x;
      if (Math.abs(x) > 2) beyond2++;
    }
    const mean = sum / n;
    // standard error of the mean 1/sqrt(n) ≈ 0.003; P(|x| > 2) = 0.0455 for a standard normal
    assert.ok(Math.abs(mean) < 0.015, `mean ${mean}`);
    assert.ok(Math.abs(sq / n - mean * mean - 1) < 0.02, `variance ${sq / n - mean * mean}`);
    assert.ok(Math.abs(beyond2 / n - 0.0455) < 0.004, `share beyond 2 sigma ${beyond2 / n}`);
    assert.deepEqual(fillGaussian(new Float32Array(5), 3), v.subarray(0, 5), 'the same seed draws the same numbers');
    assert.notDeepEqual(fillGaussian(new Float32Array(5), 4), v.subarray(0, 5));
    assert.notEqual(v[n - 1], 0, 'the last value of an odd length is filled');
  });

  it('mixSeed gives distinct seeds over a benchmark grid and depends on the order', () => {
    const seen = new Set<number>();
    for (let p = 0; p < 200; p++) for (let c = 0; c < 11; c++) seen.add(mixSeed(0, p, c));
    assert.equal(seen.size, 200 * 11);
    assert.notEqual(mixSeed(0, 1, 2), mixSeed(0, 2, 1));
    assert.equal(mixSeed(5, 1, 2), mixSeed(5, 1, 2));
    for (const s of seen) assert.ok(Number.isInteger(s) && s >= 0 && s <= 0xffffffff);
  });

  it('mixSeed refuses non-integers', () => {
    assert.throws(() => mixSeed(0, 1.5), /mixSeed takes integers, got 1.5/);
  });
});
