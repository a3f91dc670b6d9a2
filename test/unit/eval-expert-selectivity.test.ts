import assert from 'node:assert/strict';
import { expertReport, formatExpertTable, type ExpertObservation } from '../../src/eval/expert-selectivity.js';

const FLAGS = { rain: [0, 0, 1, 0], low_haze: [1, 1, 0, 0] };

describe('eval/expert-selectivity', () => {
  it('S1 is the present experts’ mean share over the absent ones’, S2 the median max/min share', () => {
    const observations: ExpertObservation[] = [
      // rain: the rain expert takes half the gate where the rain map is 0.4; the rest are small
      { configuration: 'rain', gate: [0.1, 0.2, 0.5, 0.2], mapMeans: [0.1, 0.1, 0.4, 0.1] },
      { configuration: 'rain', gate: [0.1, 0.1, 0.7, 0.1], mapMeans: [0.1, 0.1, 0.6, 0.05] },
      { configuration: 'low_haze', gate: [0.5, 0.4, 0.05, 0.05], mapMeans: [0.8, 0.5, 0.0, 0.01] },
    ];
    const r = expertReport(observations, FLAGS)!;
    const on = [0.5 * 0.4, 0.7 * 0.6, 0.5 * 0.8, 0.4 * 0.5];
    const off = [0.01, 0.02, 0.02, 0.01, 0.01, 0.005, 0.0, 0.0005];
    const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
    assert.ok(Math.abs(r.s1 - mean(on) / mean(off)) < 1e-9);
    // per image max/min: 0.2/0.01 = 20, 0.42/0.005 = 84, 0.4/max(0, 0.001) = 400 → median 84
    assert.ok(Math.abs(r.s2 - 84) < 1e-9);
    assert.equal(r.images, 3);
    assert.ok(Math.abs(r.gate['rain']!.rain - 0.6) < 1e-12);
    assert.deepEqual(Object.keys(r.gate), ['rain', 'low_haze']);
  });

  it('uniform routing over uniform maps reads about 1x', () => {
    const r = expertReport([{ configuration: 'rain', gate: [0.25, 0.25, 0.25, 0.25], mapMeans: [0.3, 0.3, 0.3, 0.3] }], FLAGS)!;
    assert.ok(Math.abs(r.s1 - 1) < 1e-9 && Math.abs(r.s2 - 1) < 1e-9);
  });

  it('is null for a model without a gate output, and refuses unknown configurations', () => {
    assert.equal(expertReport([{ configuration: 'rain', mapMeans: [0, 0, 1, 0] }], FLAGS), null);
    assert.throws(() => expertReport([{ configuration: 'fog', gate: [1, 0, 0, 0], mapMeans: [1, 0, 0, 0] }], FLAGS), /no flags for configuration 'fog'/);
  });

  it('prints the gate per configuration and both ratios', () => {
    const r = expertReport([{ configuration: 'rain', gate: [0.1, 0.2, 0.5, 0.2], mapMeans: [0.1, 0.1, 0.4, 0.1] }], FLAGS)!;
    const table = formatExpertTable(r);
    assert.match(table, /^rain\s+0\.10\s+0\.20\s+0\.50\s+0\.20$/m);
    assert.match(table, /selectivity S1 \d+\.\d\dx .* S2 \d+\.\d\dx/);
  });
});
