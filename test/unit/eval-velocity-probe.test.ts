import assert from 'node:assert/strict';
import { F2dError } from '../../src/errors.js';
import type { RgbImage } from '../../src/eval/metrics.js';
import {
  compareVelocity,
  firstPerConfiguration,
  formatVelocityTable,
  probeSeed,
  runVelocityProbe,
  velocityReport,
  velocityRows,
  type VelocityObservation,
  type VelocityRunner,
} from '../../src/eval/velocity-probe.js';
import type { VelocityStep } from '../../src/model/protocol.js';
import { mixSeed } from '../../src/model/prng.js';

const FLAGS = { rain: [0, 0, 1, 0], low_haze: [1, 1, 0, 0] };
const close = (a: number, b: number, tol = 1e-12): boolean => Math.abs(a - b) <= tol;

const image = (fill: number): RgbImage => ({ width: 2, height: 1, data: new Uint8Array(6).fill(fill) });

const observation = (configuration: string, k: number, velocityNorm: number, targetNorm: number, cosine: number, alpha: number[]): VelocityObservation => ({
  configuration,
  k,
  velocityNorm,
  targetNorm,
  cosine,
  alpha,
});

describe('eval/velocity-probe', () => {
  it('compares f with the target: the norms, and the cosine of a hand-made pair', () => {
    // f = (3, 0, 4, 0), target = (0, 0, 8, 6): |f| = 5, |t| = 10, f·t = 32 → cosine 0.64
    const r = compareVelocity(Float32Array.of(3, 0, 4, 0), Float32Array.of(0, 0, 8, 6));
    assert.ok(close(r.velocityNorm, 5) && close(r.targetNorm, 10) && close(r.cosine, 0.64), JSON.stringify(r));
    const opposite = compareVelocity(Float32Array.of(1, -2), Float32Array.of(-2, 4));
    assert.ok(close(opposite.cosine, -1), 'f against the target: -1');
    assert.equal(compareVelocity(new Float32Array(3), Float32Array.of(1, 2, 3)).cosine, 0, 'a zero velocity has cosine 0, not NaN');
    assert.throws(() => compareVelocity(new Float32Array(2), new Float32Array(3)), /velocity has 2 values, target 3/);
  });

  it('rho is the ratio of the summed norms (not the mean of ratios), the cosine a mean, the gate split by presence', () => {
    const observations = [
      observation('rain', 25, 1, 4, 0.5, [0.1, 0.1, 0.7, 0.1]),
      observation('rain', 25, 3, 4, 0.9, [0.2, 0.1, 0.5, 0.2]),
      observation('low_haze', 25, 2, 1, 0.1, [0.4, 0.4, 0.1, 0.1]),
      observation('rain', 0, 8, 8, 1, [0.25, 0.25, 0.25, 0.25]),
      observation('low_haze', 0, 1, 2, 0, [0.25, 0.25, 0.25, 0.25]),
    ];
    const [at0, at25] = velocityRows(observations, [0, 25], FLAGS);
    assert.equal(at25!.k, 25);
    assert.ok(close(at25!.rho, (1 + 3 + 2) / (4 + 4 + 1)), `rho ${at25!.rho}`); // mean of ratios would be 0.75
    assert.ok(close(at25!.cosine, 0.5));
    // present: rain's rain expert twice (0.7, 0.5), low_haze's low and haze (0.4, 0.4); absent: the other 8
    assert.ok(close(at25!.alphaPresent!, (0.7 + 0.5 + 0.4 + 0.4) / 4));
    assert.ok(close(at25!.alphaAbsent!, (0.1 + 0.1 + 0.1 + 0.2 + 0.1 + 0.2 + 0.1 + 0.1) / 8));
    assert.ok(close(at25!.alpha['rain']!.rain, 0.6));
    assert.deepEqual(Object.keys(at25!.alpha), ['rain', 'low_haze']);
    assert.ok(close(at0!.rho, 9 / 10) && close(at0!.cosine, 0.5));
  });

  it('refuses an unknown configuration and a step nothing was measured at', () => {
    assert.throws(() => velocityRows([observation('fog', 0, 1, 1, 1, [1, 0, 0, 0])], [0], FLAGS), /no flags for configuration 'fog'/);
    assert.throws(() => velocityRows([observation('rain', 0, 1, 1, 1, [1, 0, 0, 0])], [0, 10], FLAGS), /no velocity observation at k = 10/);
  });

  it('runs every item at the grid with one seed per (image, k), and stops when aborted', async () => {
    const calls: { ks: readonly number[]; seeds: readonly number[]; fill: number }[] = [];
    const runner: VelocityRunner = {
      kGrid: [0, 50],
      probe: async (degraded, _clean, ks, seeds): Promise<VelocityStep[]> => {
        calls.push({ ks, seeds, fill: degraded.data[0]! });
        return ks.map((k) => ({ k, velocity: Float32Array.of(k, 0), target: Float32Array.of(1, 1), alpha: [0.25, 0.25, 0.25, 0.25] }));
      },
    };
    const items = [
      { configuration: 'rain', seed: 11, degraded: image(1), clean: image(0) },
      { configuration: 'low_haze', seed: 12, degraded: image(2), clean: image(0) },
    ];
    const done: number[] = [];
    const obs = await runVelocityProbe(items, runner, { onItem: (n) => done.push(n) });
    assert.deepEqual(done, [1, 2]);
    assert.deepEqual(calls.map((c) => c.fill), [1, 2]);
    assert.deepEqual(calls[1]!.seeds, [mixSeed(12, 0), mixSeed(12, 50)]);
    assert.equal(probeSeed(12, 50), mixSeed(12, 50));
    assert.equal(new Set(calls.flatMap((c) => c.seeds)).size, 4, 'no two (image, k) share their noise');
    assert.equal(obs.length, 4);
    const at50 = obs.find((o) => o.configuration === 'low_haze' && o.k === 50)!;
    assert.ok(close(at50.velocityNorm, 50) && close(at50.targetNorm, Math.SQRT2) && close(at50.cosine, Math.SQRT1_2));

    const stop = new AbortController();
    stop.abort();
    await assert.rejects(runVelocityProbe(items, runner, { signal: stop.signal }), (err: unknown) => err instanceof F2dError && err.code === 'ERR_EVAL_INTERRUPTED');
  });

  it('keeps the first n images of each configuration', () => {
    const keep = firstPerConfiguration(2);
    const names = ['rain', 'haze', 'rain', 'rain', 'haze', 'haze', 'snow'];
    assert.deepEqual(
      names.map((configuration) => keep({ configuration })),
      [true, true, true, false, true, false, true],
    );
  });

  it('prints a row per step, and the reason when the probe did not run', () => {
    const report = velocityReport(
      [observation('rain', 0, 1, 2, 0.5, [0.1, 0.1, 0.7, 0.1]), observation('rain', 100, 9, 3, -0.25, [0.1, 0.1, 0.7, 0.1])],
      { kGrid: [0, 100], sigmasScale: 1, images: 1, imagesPerConfiguration: 1, seconds: 1.5 },
      FLAGS,
    );
    const table = formatVelocityTable(report);
    assert.match(table, /^velocity probe: 1 images \(1 per configuration\).*sigmas scale 1.*1\.5 s$/m);
    assert.match(table, /^\s+0\s+0\.500\s+0\.500\s+0\.700\s+0\.100$/m);
    assert.match(table, /^\s+100\s+3\.000\s+-0\.250\s+0\.700\s+0\.100$/m);
    const none = formatVelocityTable({ rows: null, reason: 'model m has no velocity graph' });
    assert.equal(none, 'velocity probe: not measured: model m has no velocity graph\n');
  });

  it('shows "-" for a gate split with nothing on one side (a benchmark of clean configurations only)', () => {
    const rows = velocityRows([observation('clean', 0, 1, 1, 1, [0.25, 0.25, 0.25, 0.25])], [0], { clean: [0, 0, 0, 0] });
    assert.equal(rows[0]!.alphaPresent, null);
    const table = formatVelocityTable({ kGrid: [0], sigmasScale: 0, images: 1, imagesPerConfiguration: 1, noise: '', seconds: 0, rows });
    assert.match(table, /^\s+0\s+1\.000\s+1\.000\s+-\s+0\.250$/m);
  });
});
