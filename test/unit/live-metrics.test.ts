import assert from 'node:assert/strict';
import { register as globalRegistry } from 'prom-client';
import { LiveMetrics, RecentSamples, quantileOf } from '../../src/live/live-metrics.js';
import { MetricsRegistry } from '../../src/prometheus.js';

/** The value of the series line `name{labels}` in the text format, or undefined when it is absent. */
function seriesValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('live: Prometheus metrics (prom-client)', () => {
  it('renders counters, gauges and histograms with their buckets, in its own registry', async () => {
    const r = new MetricsRegistry({ processMetrics: false });
    const c = r.counter('f2d_test_total', 'Things', ['reason']);
    const g = r.gauge('f2d_test_gauge', 'Level', ['direction']);
    const h = r.histogram('f2d_test_seconds', 'Time', [0.1, 1], ['stage']);
    c.inc({ reason: 'busy' }, 2);
    g.set({ direction: 'in' }, 3.5);
    for (const v of [0.05, 0.5, 5]) h.observe({ stage: 'x' }, v);
    const text = await r.render();
    assert.match(text, /^# HELP f2d_test_total Things\n# TYPE f2d_test_total counter$/m);
    assert.equal(seriesValue(text, 'f2d_test_total{reason="busy"}'), 2);
    assert.equal(seriesValue(text, 'f2d_test_gauge{direction="in"}'), 3.5);
    assert.equal(seriesValue(text, 'f2d_test_seconds_bucket{le="0.1",stage="x"}'), 1);
    assert.equal(seriesValue(text, 'f2d_test_seconds_bucket{le="1",stage="x"}'), 2);
    assert.equal(seriesValue(text, 'f2d_test_seconds_bucket{le="+Inf",stage="x"}'), 3);
    assert.equal(seriesValue(text, 'f2d_test_seconds_count{stage="x"}'), 3);
    assert.match(r.contentType, /^text\/plain; version=0\.0\.4/);
    assert.equal(await r.value('f2d_test_total', { reason: 'busy' }), 2);
    assert.equal(await r.value('f2d_test_seconds_count', { stage: 'x' }), 3);
    // Nothing leaked into prom-client's global registry, so two services never mix their series.
    assert.equal(globalRegistry.getSingleMetric('f2d_test_total'), undefined);
    assert.throws(() => c.inc({ reason: 'busy' }, -1), /negative|decrease/i);
    assert.throws(() => r.gauge('f2d_test_total', 'again'), /already been registered/);
  });

  it('exports the default Node process metrics (CPU, memory, event-loop lag)', async () => {
    const text = await new MetricsRegistry().render();
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      assert.match(text, new RegExp(`^${name} `, 'm'), name);
    }
  });

  it('keeps the metric names of f2d serve, with latencies as histograms', async () => {
    const m = new LiveMetrics({ processMetrics: false });
    m.observeStages({ wait: 0.001, restore: 0.04, encode: 0.007, pipeline: 0.048 });
    const text = await m.registry.render();
    for (const name of ['f2d_frames_in_total', 'f2d_frames_out_total', 'f2d_frames_dropped_total', 'f2d_frames_pass_through_total', 'f2d_parser_runs_total', 'f2d_fps', 'f2d_viewers', 'f2d_viewer_skipped_frames_total', 'f2d_ws_bad_messages_total', 'f2d_source_up', 'f2d_source_reconnects_total', 'f2d_key_frames_forced_total']) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    assert.match(text, /^# TYPE f2d_stage_latency_seconds histogram$/m);
    assert.match(text, /^# TYPE f2d_glass_to_glass_seconds histogram$/m);
    assert.equal(seriesValue(text, 'f2d_stage_latency_seconds_bucket{le="0.05",stage="pipeline"}'), 1);
    assert.equal(seriesValue(text, 'f2d_stage_latency_seconds_bucket{le="0.03",stage="pipeline"}'), 0);
    assert.equal(m.recentQuantile('pipeline', 0.5), 0.048);
    assert.ok(Number.isNaN(m.recentQuantile('glassToGlass', 0.5)));
  });

  it('forgets a viewer when it leaves, and the glass-to-glass latency when the last one leaves', async () => {
    const m = new LiveMetrics({ processMetrics: false });
    const events = m.hubEvents();
    const queues = new Map([['1', 100], ['2', 5000]]);
    m.readViewerQueuesFrom(() => queues);
    events.onViewers(2);
    events.onReport({ type: 'report', fps: 25, latencyMs: [30, 40], decoded: 2 }, '1');
    events.onReport({ type: 'report', fps: 12, latencyMs: [250], decoded: 1 }, '2');
    let text = await m.registry.render();
    assert.equal(seriesValue(text, 'f2d_glass_to_glass_seconds_count'), 3);
    assert.equal(seriesValue(text, 'f2d_viewer_fps{viewer="2"}'), 12);
    assert.equal(seriesValue(text, 'f2d_viewer_queued_bytes{viewer="2"}'), 5000);

    // Viewer 2 leaves: its own series go, the others stay.
    queues.delete('2');
    events.onViewerLeft('2');
    events.onViewers(1);
    text = await m.registry.render();
    assert.equal(seriesValue(text, 'f2d_viewer_fps{viewer="2"}'), undefined);
    assert.equal(seriesValue(text, 'f2d_viewer_queued_bytes{viewer="2"}'), undefined);
    assert.equal(seriesValue(text, 'f2d_viewer_fps{viewer="1"}'), 25);
    assert.equal(seriesValue(text, 'f2d_glass_to_glass_seconds_count'), 3);

    // The last viewer leaves: no latency is reported for nobody.
    queues.delete('1');
    events.onViewerLeft('1');
    events.onViewers(0);
    text = await m.registry.render();
    assert.equal(seriesValue(text, 'f2d_viewers'), 0);
    assert.doesNotMatch(text, /^f2d_glass_to_glass_seconds_(bucket|sum|count)/m);
    assert.ok(Number.isNaN(m.recentQuantile('glassToGlass', 0.5)));
    assert.doesNotMatch(text, /^f2d_viewer_(fps|queued_bytes)\{/m);
    // A new viewer starts the histogram afresh.
    events.onViewers(1);
    events.onReport({ type: 'report', fps: 25, latencyMs: [20], decoded: 1 }, '3');
    assert.equal(seriesValue(await m.registry.render(), 'f2d_glass_to_glass_seconds_count'), 1);
  });

  it('computes nearest-rank quantiles over the recent samples only', () => {
    assert.equal(quantileOf([5, 1, 3, 2, 4], 0.5), 3);
    assert.equal(quantileOf([5, 1, 3, 2, 4], 0.95), 5);
    assert.ok(Number.isNaN(quantileOf([], 0.5)));
    const recent = new RecentSamples(4);
    for (const v of [100, 1, 2, 3, 4]) recent.add(v);
    assert.equal(recent.quantile(1), 4, 'the oldest sample (100) fell out of the window');
  });
});
