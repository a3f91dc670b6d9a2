import assert from 'node:assert/strict';
import { MetricsRegistry, quantileOf } from '../../src/server/metrics.js';

describe('live: Prometheus metrics', () => {
  it('renders counters, gauges and summaries in the text format', () => {
    const r = new MetricsRegistry();
    const c = r.counter('f2d_test_total', 'Things');
    const g = r.gauge('f2d_test_gauge', 'Level');
    const s = r.summary('f2d_test_seconds', 'Time', 4);
    c.inc();
    c.inc({ reason: 'busy' }, 2);
    g.set(3.5, { direction: 'in' });
    for (const v of [1, 2, 3, 4, 5]) s.observe(v, { stage: 'x' });
    const text = r.render();
    assert.match(text, /^# HELP f2d_test_total Things\n# TYPE f2d_test_total counter\n/m);
    assert.match(text, /^f2d_test_total 1$/m);
    assert.match(text, /^f2d_test_total\{reason="busy"\} 2$/m);
    assert.match(text, /^f2d_test_gauge\{direction="in"\} 3\.5$/m);
    // window of 4 keeps 2..5
    assert.match(text, /^f2d_test_seconds\{stage="x",quantile="0\.5"\} 3$/m);
    assert.match(text, /^f2d_test_seconds_sum\{stage="x"\} 15$/m);
    assert.match(text, /^f2d_test_seconds_count\{stage="x"\} 5$/m);
    assert.ok(text.endsWith('\n'));
  });

  it('escapes label values and refuses a counter going down or a name used twice', () => {
    const r = new MetricsRegistry();
    const c = r.counter('f2d_x_total', 'x');
    c.inc({ source: 'a"b\\c' });
    assert.match(r.render(), /source="a\\"b\\\\c"/);
    assert.throws(() => c.inc({}, -1), /cannot decrease/);
    assert.throws(() => r.gauge('f2d_x_total', 'again'), /registered twice/);
  });

  it('computes nearest-rank quantiles', () => {
    assert.equal(quantileOf([5, 1, 3, 2, 4], 0.5), 3);
    assert.equal(quantileOf([5, 1, 3, 2, 4], 0.95), 5);
    assert.ok(Number.isNaN(quantileOf([], 0.5)));
  });
});
