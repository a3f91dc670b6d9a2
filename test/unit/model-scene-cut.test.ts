import assert from 'node:assert/strict';
import { degradationLevel, SceneCutDetector, thumbnailDifference } from '../../src/model/scene-cut.js';
import type { RgbFrame } from '../../src/frame.js';

function scene(w: number, h: number, kind: 'gradient' | 'stripes', shift = 0, noise = 0): RgbFrame {
  const data = new Uint8Array(w * h * 3);
  let s = 12345;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const jitter = noise > 0 ? ((s >>> 16) % (2 * noise + 1)) - noise : 0;
      const v = kind === 'gradient' ? ((x + shift) * 255) / w : ((x >> 3) + (y >> 3)) % 2 === 0 ? 20 : 235;
      const o = (y * w + x) * 3;
      const p = Math.max(0, Math.min(255, Math.round(v + jitter)));
      data[o] = p;
      data[o + 1] = p;
      data[o + 2] = p;
    }
  }
  return { width: w, height: h, data };
}

describe('model/scene-cut', () => {
  it('reports the first frame and a cut, not a still or slowly panning picture', () => {
    const d = new SceneCutDetector();
    assert.equal(d.update(scene(160, 90, 'gradient')), true, 'first frame');
    assert.equal(d.update(scene(160, 90, 'gradient')), false, 'same picture');
    assert.equal(d.lastScore, 0);
    assert.equal(d.update(scene(160, 90, 'gradient', 2, 3)), false, 'small pan plus sensor noise');
    assert.ok(d.lastScore > 0 && d.lastScore < d.threshold);
    assert.equal(d.update(scene(160, 90, 'stripes')), true, 'a different scene');
    assert.ok(d.lastScore > d.threshold);
    d.reset();
    assert.equal(d.update(scene(160, 90, 'stripes')), true, 'after reset the next frame starts a scene');
  });

  it('measures the difference in percent of full scale', () => {
    assert.equal(thumbnailDifference(new Uint8Array([0, 0]), new Uint8Array([255, 255])), 100);
    assert.equal(thumbnailDifference(new Uint8Array([0, 0]), new Uint8Array([255, 0])), 50);
  });

  it('works on frames smaller than its sampling grid', () => {
    const d = new SceneCutDetector();
    d.update(scene(3, 2, 'gradient'));
    assert.equal(d.update(scene(3, 2, 'gradient')), false);
  });

  it('rejects thresholds outside (0, 100]', () => {
    assert.throws(() => new SceneCutDetector(0), /threshold 0 must be in \(0, 100\]/);
    assert.throws(() => new SceneCutDetector(150), /threshold 150/);
  });

  it('takes the strongest factor as the degradation level', () => {
    assert.equal(degradationLevel([0.1, 0.7, 0.2, 0]), 0.7);
    assert.equal(degradationLevel([]), 0);
  });
});
