import assert from 'node:assert/strict';
import { MetricsRegistry } from '../../src/prometheus.js';
import { mergeExpositions } from '../../src/server/metrics-merge.js';

describe('server: one /metrics page from several streams', () => {
  it('gives each family one HELP and TYPE, with every stream\'s samples under it', async () => {
    const pages = await Promise.all(
      ['front', 'rear'].map(async (stream, i) => {
        const r = new MetricsRegistry({ processMetrics: false, labels: { stream } });
        r.counter('f2d_frames_in_total', 'Frames decoded').inc(10 + i);
        r.histogram('f2d_stage_latency_seconds', 'Per-frame time', [0.01, 0.1], ['stage']).observe({ stage: 'restore' }, 0.05);
        return r.render();
      }),
    );
    const merged = mergeExpositions(pages);
    const lines = merged.trim().split('\n');
    for (const family of ['f2d_frames_in_total', 'f2d_stage_latency_seconds']) {
      assert.equal(lines.filter((l) => l.startsWith(`# TYPE ${family} `)).length, 1, `${family}: one TYPE line`);
      assert.equal(lines.filter((l) => l.startsWith(`# HELP ${family} `)).length, 1, `${family}: one HELP line`);
    }
    assert.ok(lines.includes('f2d_frames_in_total{stream="front"} 10'));
    assert.ok(lines.includes('f2d_frames_in_total{stream="rear"} 11'));
    // A family's samples follow its own TYPE line and come before the next family's.
    const type = lines.indexOf(lines.find((l) => l.startsWith('# TYPE f2d_stage_latency_seconds')) as string);
    const buckets = lines.map((l, i) => (l.startsWith('f2d_stage_latency_seconds_') ? i : -1)).filter((i) => i >= 0);
    assert.equal(buckets.length, 2 * (3 + 2), 'each stream: 3 buckets, sum and count');
    assert.ok(buckets.every((i) => i > type));
    assert.deepEqual(buckets, buckets.map((_, k) => (buckets[0] as number) + k), 'contiguous');
  });

  it('passes a single page through unchanged but for blank lines', () => {
    const page = '# HELP a_total A\n# TYPE a_total counter\na_total 1\n';
    assert.equal(mergeExpositions([page]), page);
    assert.equal(mergeExpositions([]), '');
  });
});
