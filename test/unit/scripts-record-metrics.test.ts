import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordMetrics } from '../../scripts/record-metrics.js';

const TINY = 'test/fixtures/models/f2d-tiny';

/** An `f2d eval --json` report's head (what the manifest keeps), for `synth`. */
function report(model: string, synth: { name: string; generator: string }, psnr: number) {
  const row = { count: 2, input: { psnr: 10, ssim: 0.3 }, restored: { psnr, ssim: 0.5 } };
  return {
    format: 'f2d-eval/1',
    model: { name: model, dir: model },
    synth: { ...synth, dir: 'x', seed: 0 },
    photos: { dir: 'p', split: 'val', count: 2 },
    size: { width: 64, height: 48 },
    seconds: 1,
    metrics: 'PSNR and SSIM',
    configurations: { low: row },
    tiers: { easy: row },
    mean: row,
    parser: null,
    items: [],
  };
}

describe('scripts: recording f2d eval reports in a model manifest', () => {
  let dir: string;
  let model: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'f2d-record-'));
    model = path.join(dir, 'f2d-tiny');
    cpSync(TINY, model, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('puts a training-synthesis report under metrics and an independent one under metricsIndependent', async () => {
    const train = path.join(dir, 'train.json');
    const independent = path.join(dir, 'independent.json');
    writeFileSync(train, JSON.stringify(report('f2d-tiny', { name: 'synth', generator: 'train' }, 12.5)));
    writeFileSync(independent, JSON.stringify(report('f2d-tiny', { name: 'synth-independent', generator: 'independent' }, 13.5)));
    assert.equal(await recordMetrics(model, train), 'metrics');
    assert.equal(await recordMetrics(model, independent), 'metricsIndependent');
    const manifest = JSON.parse(readFileSync(path.join(model, 'manifest.json'), 'utf8'));
    assert.equal(manifest.metrics.mean.restored.psnr, 12.5);
    assert.match(manifest.metrics.command, /--synth train/);
    assert.equal(manifest.metricsIndependent.mean.restored.psnr, 13.5);
    assert.match(manifest.metricsIndependent.benchmark, /--synth independent: 2 validation photos x 1 CDD-11 configurations at 64x48/);
    assert.equal(manifest.name, JSON.parse(readFileSync(path.join(TINY, 'manifest.json'), 'utf8')).name, 'the rest of the manifest is kept');
  });

  it('refuses a report of another model, leaving the manifest as it was', async () => {
    const before = readFileSync(path.join(model, 'manifest.json'), 'utf8');
    const other = path.join(dir, 'other.json');
    writeFileSync(other, JSON.stringify(report('f2d-lite', { name: 'synth', generator: 'train' }, 20)));
    await assert.rejects(recordMetrics(model, other), /scores model f2d-lite, not f2d-tiny/);
    assert.equal(readFileSync(path.join(model, 'manifest.json'), 'utf8'), before);
  });

  it("refuses a report of the self-ensemble: the manifest keeps the network's own figures", async () => {
    const before = readFileSync(path.join(model, 'manifest.json'), 'utf8');
    const four = path.join(dir, 'four.json');
    const r = report('f2d-tiny', { name: 'synth', generator: 'train' }, 20);
    writeFileSync(four, JSON.stringify({ ...r, model: { ...r.model, ensemble: 4 } }));
    await assert.rejects(recordMetrics(model, four), /restored 4 views per frame; record a report of --ensemble 1/);
    assert.equal(readFileSync(path.join(model, 'manifest.json'), 'utf8'), before);
  });
});
