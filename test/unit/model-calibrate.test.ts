import assert from 'node:assert/strict';
import { percentileRange, stridedSample } from '../../src/model/worker/calibrate.js';

describe('model/calibrate: sampling and percentile ranges', () => {
  it('stridedSample keeps small tensors whole and samples large ones evenly', () => {
    const small = Float32Array.from([3, 1, 2]);
    assert.deepEqual([...stridedSample(small, 10)], [3, 1, 2]);
    const big = Float32Array.from({ length: 1000 }, (_, i) => i);
    const s = stridedSample(big, 100);
    assert.ok(s.length >= 100 && s.length <= 112, `got ${s.length} values`);
    const stride = s[1]! - s[0]!;
    assert.equal(stride % 2, 1, 'an odd stride visits every channel of an interleaved tensor');
    assert.equal(s[0], 0);
  });

  it('percentileRange ignores rare outliers that min/max would keep', () => {
    const values = Float32Array.from({ length: 100_000 }, (_, i) => (i % 1000) / 1000); // 0 … 0.999
    values[123] = 500; // one hot pixel
    values[456] = -300;
    const { lo, hi } = percentileRange([values.subarray(0, 50_000), values.subarray(50_000)], 1e-4);
    assert.ok(lo >= 0 && lo < 0.01, `lo ${lo}`);
    assert.ok(hi > 0.99 && hi < 1, `hi ${hi}`);
    assert.deepEqual(percentileRange([values], 0), { lo: -300, hi: 500 });
  });

  it('percentileRange refuses an empty sample', () => {
    assert.throws(() => percentileRange([], 1e-4), /no values/);
  });
});
