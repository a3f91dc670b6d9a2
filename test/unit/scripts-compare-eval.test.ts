import assert from 'node:assert/strict';
import { compareWithShipped, formatComparison } from '../../scripts/compare-eval.js';
import { manifestMetrics } from '../../scripts/record-metrics.js';
import type { BenchmarkReport } from '../../src/eval/report.js';

const score = (input: number, psnr: number, ssim = 0.5) => ({
  count: 2,
  input: { psnr: input, ssim: 0.3 },
  restored: { psnr, ssim },
  tone: { biasLevels: 0, rmsLevels: 0, psnrWithReferenceMeans: psnr },
  inputTone: { biasLevels: 0, rmsLevels: 0, psnrWithReferenceMeans: input },
});

/** An `f2d eval --json` report with these restored PSNRs for rain and snow. */
function report(rain: number, snow: number, photos = 89, generator: 'train' | 'independent' = 'independent'): BenchmarkReport {
  return {
    format: 'f2d-eval/1',
    model: { name: 'f2d-lite', dir: 'models/f2d-lite', ensemble: 1 },
    synth: { name: generator === 'train' ? 'synth' : 'synth-independent', generator, dir: 'x', seed: 0 },
    photos: { dir: 'p', split: 'val', count: photos },
    size: { width: 512, height: 384 },
    seconds: 1,
    metrics: 'PSNR and SSIM',
    configurations: { rain: score(19, rain), snow: score(21, snow) },
    tiers: { single: score(20, (rain + snow) / 2) },
    mean: score(20, (rain + snow) / 2),
    parser: null,
    experts: null,
    items: [],
  } as unknown as BenchmarkReport;
}

describe('scripts: comparing a candidate with the shipped model', () => {
  const manifest = { name: 'f2d-lite', metricsIndependent: manifestMetrics(report(24.2, 23.3)) };

  it('lines up each configuration with the shipped figures and names the ones that went down', () => {
    const c = compareWithShipped(manifest, report(24.0, 23.5));
    assert.equal(c.key, 'metricsIndependent');
    const rain = c.configurations.find((r) => r.label === 'rain')!;
    assert.deepEqual([rain.input, rain.shipped.psnr, rain.candidate.psnr], [19, 24.2, 24.0]);
    const text = formatComparison(c);
    assert.match(text, /^rain +19\.00 +24\.20 \/ 0\.500 +24\.00 \/ 0\.500 +−0\.20 +0\.000$/m);
    assert.match(text, /independent synthesis: mean  0\.00 dB .*up by 0\.05 dB or more on 1 of 2 configurations, down on 1 \(rain −0\.20\)/);
  });

  it('refuses a report of another benchmark (fewer photos) rather than compare unlike figures', () => {
    assert.throws(() => compareWithShipped(manifest, report(25, 25, 30)), /not the same benchmark[\s\S]*30 validation photos[\s\S]*89 validation photos/);
  });

  it('says when the manifest has no record of that synthesis', () => {
    assert.throws(() => compareWithShipped(manifest, report(25, 25, 89, 'train')), /records no metrics: record one with scripts\/record-metrics\.ts/);
  });
});
