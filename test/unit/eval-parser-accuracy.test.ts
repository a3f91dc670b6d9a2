import assert from 'node:assert/strict';
import { formatParserTable, parserReport } from '../../src/eval/parser-accuracy.js';

const FLAGS = { rain: [0, 0, 1, 0], low_haze: [1, 1, 0, 0], snow: [0, 0, 0, 1] };

describe('eval/parser-accuracy', () => {
  const items = [
    // rain: the first image right on all four, the second misses the rain (0.49 < 0.5).
    { configuration: 'rain', weights: [0.1, 0.2, 0.9, 0.0] },
    { configuration: 'rain', weights: [0.1, 0.2, 0.49, 0.0] },
    // low_haze: both right on low; haze read on one only; the second also sees snow that is not there.
    { configuration: 'low_haze', weights: [0.8, 0.5, 0.0, 0.0] },
    { configuration: 'low_haze', weights: [0.7, 0.3, 0.0, 0.6] },
  ];

  it('scores presence at 0.5 per factor, per configuration and over all images', () => {
    const p = parserReport(items, FLAGS, [])!;
    assert.equal(p.threshold, 0.5);
    const rain = p.perConfiguration['rain']!;
    assert.deepEqual(rain.flags, { low: 0, haze: 0, rain: 1, snow: 0 });
    assert.deepEqual(rain.accuracy, { low: 1, haze: 1, rain: 0.5, snow: 1 });
    assert.equal(rain.exact, 0.5);
    assert.ok(Math.abs(rain.meanWeight.rain - 0.695) < 1e-12);
    const lh = p.perConfiguration['low_haze']!;
    assert.deepEqual(lh.accuracy, { low: 1, haze: 0.5, rain: 1, snow: 0.5 }, 'a weight of exactly 0.5 reads as present');
    assert.equal(lh.exact, 0.5);
    assert.deepEqual(p.accuracy, { low: 1, haze: 0.75, rain: 0.75, snow: 0.75 });
    assert.equal(p.exact, 0.5);
    assert.deepEqual(Object.keys(p.perConfiguration), ['rain', 'low_haze'], 'only the configurations that ran');
    assert.equal(p.clean, null, 'no clean photos parsed');
  });

  it('gives the mean weights and false positives on clean photos', () => {
    const p = parserReport(items, FLAGS, [[0.2, 0.6, 0, 0], [0.4, 0.8, 0.1, 0]])!;
    assert.equal(p.clean!.count, 2);
    assert.ok(Math.abs(p.clean!.meanWeight.haze - 0.7) < 1e-12);
    assert.deepEqual(p.clean!.falsePositive, { low: 0, haze: 1, rain: 0, snow: 0 });
    const table = formatParserTable(p);
    assert.match(table, /^rain\s+100% 0\.10\s+100% 0\.20\s+50% 0\.70\s+100% 0\.00\s+50%\s+2$/m);
    assert.match(table, /^all degraded\s+100%\s+75%\s+75%\s+75%\s+50%/m);
    assert.match(table, /^clean photos\s+100% 0\.30\s+0% 0\.70\s+100% 0\.05\s+100% 0\.00\s+2$/m);
  });

  it('is null when no item carries weights, and refuses a configuration without flags', () => {
    assert.equal(parserReport([{ configuration: 'rain' }], FLAGS, []), null);
    assert.throws(() => parserReport([{ configuration: 'fog', weights: [0, 0, 0, 0] }], FLAGS, []), /no flags for configuration 'fog'/);
  });
});
