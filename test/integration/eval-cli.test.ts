/**
 * `f2d degrade` and `f2d eval` as a user runs them (child processes), with
 * models/synth and the f2d-tiny fixture model, on images and clips made here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchmarkReport } from '../../src/eval/report.js';
import type { PairsReport } from '../../src/eval/pairs.js';
import { formatParserTable } from '../../src/eval/parser-accuracy.js';
import { compareVelocity, probeSeed, velocityRows, type VelocityObservation, type VelocityReport } from '../../src/eval/velocity-probe.js';
import { readImage, writeImage } from '../../src/media/index.js';
import { OnnxDegrader } from '../../src/model/onnx-degrader.js';
import { OnnxVelocityProbe } from '../../src/model/onnx-velocity.js';
import type { RgbFrame } from '../../src/frame.js';
import { makeClip, tmpDir } from '../helpers/clips.js';
import { framePtsTimes } from '../helpers/media-tools.js';
import { naivePsnr, naiveSsim } from '../helpers/naive-metrics.js';
import { Resources } from '../helpers/resources.js';

const MAIN = join('src', 'cli', 'main.ts');
const TINY_MODEL = join('test', 'fixtures', 'models', 'f2d-tiny');
const SYNTH = join('models', 'synth');
const SYNTH_INDEPENDENT = join('models', 'synth-independent');
/** Both sides compute in float64 from the same 8-bit values; only summation order differs. */
const SCORE_TOL = 1e-9;

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function f2d(args: readonly string[]): Result {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args, '--threads', '1', '--progress', 'off'], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A smooth picture with some structure, so SSIM and the weather have something to work on. */
function scene(width: number, height: number, phase: number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = Math.round(127 + 120 * Math.sin((x + phase) / 5));
      data[i + 1] = Math.round((255 * y) / (height - 1));
      data[i + 2] = (x * 7 + y * 3 + phase) % 256;
    }
  }
  return { width, height, data };
}

describe('cli: f2d degrade and f2d eval (child process)', function () {
  this.timeout(300_000);
  let dir: string;
  let synth: OnnxDegrader;
  const resources = new Resources();
  before(async () => {
    dir = tmpDir('eval-cli');
    synth = await resources.add(OnnxDegrader.create({ modelDir: SYNTH, provider: 'cpu', threads: 1 }));
  });
  after(async () => {
    await resources.closeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('f2d degrade', () => {
    it('degrades an image exactly as the synthesis does with that seed', async () => {
      const input = join(dir, 'street.png');
      const clean = scene(64, 48, 0);
      await writeImage(input, clean, { jpegQuality: 95, webpQuality: 95 });
      const r = f2d(['degrade', input, '--weather', 'low_rain', '--seed', '3']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /degraded 1 images/);
      const out = await readImage(join(dir, 'street-low_rain.png'));
      const expected = await synth.degrade({ ...clean, data: clean.data.slice() }, { configuration: 'low_rain', seed: 3 });
      assert.deepEqual([out.width, out.height], [64, 48]);
      // readImage hands out Buffers: compare the bytes as plain Uint8Arrays.
      assert.deepEqual(new Uint8Array(out.data), new Uint8Array(expected.frame.data));
      assert.notDeepEqual(new Uint8Array(out.data), clean.data);
    });

    it('--synth independent degrades with models/synth-independent instead', async () => {
      const input = join(dir, 'street-ind.png');
      const clean = scene(64, 48, 2);
      await writeImage(input, clean, { jpegQuality: 95, webpQuality: 95 });
      const r = f2d(['degrade', input, '--weather', 'snow', '--seed', '4', '--synth', 'independent']);
      assert.equal(r.code, 0, r.stderr);
      const out = await readImage(join(dir, 'street-ind-snow.png'));
      const independent = await OnnxDegrader.create({ modelDir: SYNTH_INDEPENDENT, provider: 'cpu', threads: 1 });
      try {
        const expected = await independent.degrade({ ...clean, data: clean.data.slice() }, { configuration: 'snow', seed: 4 });
        assert.deepEqual(new Uint8Array(out.data), new Uint8Array(expected.frame.data));
      } finally {
        await independent.close();
      }
      const trained = await synth.degrade({ ...clean, data: clean.data.slice() }, { configuration: 'snow', seed: 4 });
      assert.notDeepEqual(new Uint8Array(out.data), new Uint8Array(trained.frame.data));
    });

    it('degrades a clip keeping its frames and timestamps', async () => {
      const clip = makeClip(join(dir, 'clip.mp4'), { width: 64, height: 48, fps: 10, seconds: 1 });
      const output = join(dir, 'clip-snow.mp4');
      const r = f2d(['degrade', clip, '-o', output, '--weather', 'snow', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout) as { frames: number; kind: string };
      assert.equal(summary.kind, 'video');
      assert.deepEqual(framePtsTimes(output), framePtsTimes(clip));
      assert.equal(summary.frames, framePtsTimes(clip).length);
    });

    it('needs --weather, and names the known ones for an unknown one', () => {
      const input = join(dir, 'street.png');
      const none = f2d(['degrade', input]);
      assert.equal(none.code, 2, none.stderr);
      assert.match(none.stderr, /^error \[ERR_CONFIG_USAGE\] f2d degrade needs --weather <name>/m);
      const bad = f2d(['degrade', input, '-o', join(dir, 'x.png'), '--weather', 'fog']);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, /^error \[ERR_MODEL_SYNTH_CONFIG\] unknown weather 'fog'; known: low, haze, rain, snow, low_haze/m);
      assert.match(bad.stderr, /^hint: pass --weather/m);
    });
  });

  describe('f2d eval', () => {
    let photos: string;
    let save: string;
    let report: BenchmarkReport;
    const WIDTH = 48;
    const HEIGHT = 32;

    before(async () => {
      photos = join(dir, 'photos');
      save = join(dir, 'bench');
      mkdirSync(join(photos, 'val'), { recursive: true });
      mkdirSync(join(photos, 'train'), { recursive: true });
      // One wide and one tall photo: both are cropped to 3:2 and scaled to 48x32.
      await writeImage(join(photos, 'val', 'wide.png'), scene(96, 40, 1), { jpegQuality: 95, webpQuality: 95 });
      await writeImage(join(photos, 'val', 'tall.png'), scene(40, 70, 9), { jpegQuality: 95, webpQuality: 95 });
      await writeImage(join(photos, 'train', 'other.png'), scene(40, 40, 4), { jpegQuality: 95, webpQuality: 95 });
      writeFileSync(
        join(photos, 'manifest.json'),
        JSON.stringify({
          photos: [
            { file: 'val/wide.png', split: 'val' },
            { file: 'train/other.png', split: 'train' },
            { file: 'val/tall.png', split: 'val' },
          ],
        }),
      );
      const json = join(dir, 'report.json');
      const r = f2d([
        'eval',
        '--photos', photos,
        '--model', TINY_MODEL,
        '--set', `eval.width=${WIDTH}`,
        '--set', `eval.height=${HEIGHT}`,
        '--save', save,
        '--json', json,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^mean\s+\d+\.\d\d\s+\d\.\d{4}\s+\d+\.\d\d/m, r.stdout);
      assert.match(r.stdout, /^low_haze_snow\s/m);
      assert.match(r.stdout, /^triple \(tier\)\s/m);
      assert.match(r.stdout, /^all degraded\s+\d+%/m, 'the parser table follows');
      report = JSON.parse(readFileSync(json, 'utf8')) as BenchmarkReport;
    });

    it('writes the JSON report: 2 photos x 11 configurations, 3 tiers, the mean', () => {
      assert.equal(report.format, 'f2d-eval/1');
      assert.equal(report.model.name, 'f2d-tiny');
      assert.deepEqual(report.size, { width: WIDTH, height: HEIGHT });
      assert.equal(report.photos.count, 2);
      assert.equal(Object.keys(report.configurations).length, 11);
      for (const row of Object.values(report.configurations)) assert.equal(row.count, 2);
      assert.deepEqual(
        Object.fromEntries(Object.entries(report.tiers).map(([t, row]) => [t, row.count])),
        { single: 8, pair: 10, triple: 4 },
      );
      assert.equal(report.mean.count, 22);
      assert.equal(report.items.length, 22);
      assert.deepEqual([...new Set(report.items.map((i) => i.photo))], ['wide', 'tall']);
      assert.equal(new Set(report.items.map((i) => i.seed)).size, 22, 'one seed per (photo, configuration)');
      for (const i of report.items) {
        assert.ok(i.input.psnr > 0 && i.input.psnr < 100 && i.input.ssim < 1, JSON.stringify(i));
        assert.ok(Number.isFinite(i.restored.psnr) && Number.isFinite(i.restored.ssim), JSON.stringify(i));
      }
    });

    it('reports the parser: presence accuracy per factor against the flags, and its weights on the clean photos', () => {
      const p = report.parser;
      assert.ok(p !== null, 'the restorer reports its weights');
      assert.equal(p.threshold, 0.5);
      assert.equal(Object.keys(p.perConfiguration).length, 11);
      assert.deepEqual(p.perConfiguration['low_haze']!.flags, { low: 1, haze: 1, rain: 0, snow: 0 });
      for (const i of report.items) assert.equal(i.weights?.length, 4, `${i.photo}/${i.configuration}`);
      // Recomputed from the items: the share of rain images whose rain weight reads present.
      const rain = report.items.filter((i) => i.configuration === 'rain');
      assert.equal(p.perConfiguration['rain']!.accuracy.rain, rain.filter((i) => i.weights![2]! >= 0.5).length / rain.length);
      assert.equal(p.clean?.count, 2, 'one parser call per clean photo');
      for (const w of Object.values(p.clean!.meanWeight)) assert.ok(w >= 0 && w <= 1);
      assert.match(formatParserTable(p), /^clean photos\s/m);
    });

    it("reports the experts: the gate the model outputs, the parser's map means, S1 and S2", () => {
      const e = report.experts;
      assert.ok(e !== null, 'the fixture exports the gate (restorer output alpha)');
      assert.equal(e.images, report.items.length);
      for (const i of report.items) {
        assert.equal(i.gate?.length, 4, `${i.photo}/${i.configuration} gate`);
        assert.ok(Math.abs(i.gate!.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'the gate is a softmax');
        for (const m of i.mapMeans ?? []) assert.ok(m >= 0 && m <= 1);
      }
      assert.ok(Number.isFinite(e.s1) && e.s1 > 0 && Number.isFinite(e.s2) && e.s2 >= 1);
      assert.equal(Object.keys(e.gate).length, 11);
    });

    it('reports the tone error of each restored image, and of its input', () => {
      for (const i of report.items) {
        assert.ok(Math.abs(i.tone.biasLevels) <= 255);
        assert.ok(i.tone.rmsLevels >= Math.abs(i.tone.biasLevels) - 1e-9, 'the RMS of the channel means is at least their mean');
        assert.ok(i.tone.psnrWithReferenceMeans >= i.restored.psnr - 1e-9, 'moving the means never lowers PSNR');
        assert.ok(i.inputTone.psnrWithReferenceMeans >= i.input.psnr - 1e-9);
      }
      assert.ok(Number.isFinite(report.mean.tone.psnrWithReferenceMeans));
      assert.ok(report.mean.inputTone.rmsLevels > 0, 'the weather moves the tone of the inputs');
    });

    it('scores the degraded and restored images as an independent plain computation does', async () => {
      for (const item of report.items) {
        const clean = await readImage(join(save, 'clear', `${item.photo}.png`));
        const degraded = await readImage(join(save, item.configuration, `${item.photo}.png`));
        const restored = await readImage(join(save, 'restored', item.configuration, `${item.photo}.png`));
        assert.deepEqual([clean.width, clean.height], [WIDTH, HEIGHT]);
        const what = `${item.photo}/${item.configuration}`;
        assert.ok(Math.abs(item.input.psnr - naivePsnr(degraded, clean)) < SCORE_TOL, `${what} input psnr`);
        assert.ok(Math.abs(item.input.ssim - naiveSsim(degraded, clean)) < SCORE_TOL, `${what} input ssim`);
        assert.ok(Math.abs(item.restored.psnr - naivePsnr(restored, clean)) < SCORE_TOL, `${what} restored psnr`);
        assert.ok(Math.abs(item.restored.ssim - naiveSsim(restored, clean)) < SCORE_TOL, `${what} restored ssim`);
      }
      for (const [name, row] of Object.entries(report.configurations)) {
        const mine = report.items.filter((i) => i.configuration === name);
        const mean = mine.reduce((s, i) => s + i.input.psnr, 0) / mine.length;
        assert.ok(Math.abs(row.input.psnr - mean) < SCORE_TOL, name);
      }
    });

    it('degrades each benchmark image from its recorded seed (reproducible)', async () => {
      const item = report.items.find((i) => i.photo === 'tall' && i.configuration === 'haze_rain')!;
      const clean = await readImage(join(save, 'clear', 'tall.png'));
      const degraded = await readImage(join(save, 'haze_rain', 'tall.png'));
      const again = await synth.degrade(clean, { configuration: 'haze_rain', seed: item.seed });
      assert.deepEqual(new Uint8Array(again.frame.data), new Uint8Array(degraded.data));
    });

    it('--pairs scores a saved configuration folder against clear/ to the same numbers', () => {
      const r = f2d(['eval', '--pairs', join(save, 'rain'), join(save, 'clear'), '--json']);
      assert.equal(r.code, 0, r.stderr);
      const pairs = JSON.parse(r.stdout) as PairsReport;
      assert.equal(pairs.count, 2);
      assert.ok(Math.abs(pairs.mean.psnr - report.configurations['rain']!.input.psnr) < SCORE_TOL);
      assert.ok(Math.abs(pairs.mean.ssim - report.configurations['rain']!.input.ssim) < SCORE_TOL);
    });

    it('has no velocity section without --diagnostics', () => {
      assert.equal('velocity' in report, false);
      assert.doesNotMatch(JSON.stringify(report), /velocity probe/);
    });

    it('--diagnostics adds the velocity probe: rho, cosine and the gate at each step, from the first images of each configuration', async () => {
      const saveDiag = join(dir, 'bench-diagnostics');
      const json = join(dir, 'report-diagnostics.json');
      const r = f2d(['eval', '--photos', photos, '--model', TINY_MODEL, '--set', `eval.width=${WIDTH}`, '--set', `eval.height=${HEIGHT}`,
        '--diagnostics', '--set', 'eval.diagnosticsImages=1', '--save', saveDiag, '--json', json]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^velocity probe: 11 images \(1 per configuration\)/m);
      assert.match(r.stdout, /^\s+100\s+\d+\.\d{3}\s+-?\d\.\d{3}\s+\d\.\d{3}\s+\d\.\d{3}$/m);
      const diag = JSON.parse(readFileSync(json, 'utf8')) as BenchmarkReport;
      const v = diag.velocity as VelocityReport;
      assert.ok(v.rows !== null, 'the fixture has velocity.onnx');
      assert.deepEqual(v.kGrid, [0, 10, 25, 50, 75, 100]);
      assert.deepEqual([v.images, v.imagesPerConfiguration], [11, 1]);
      assert.deepEqual(v.rows.map((row) => row.k), v.kGrid);
      for (const row of v.rows) {
        assert.ok(Number.isFinite(row.rho) && row.rho > 0 && Math.abs(row.cosine) <= 1, JSON.stringify(row));
        assert.equal(Object.keys(row.alpha).length, 11);
      }
      // Again from the saved images of the first photo, with the seeds the report says: the same figures.
      const first = diag.items.filter((i) => i.photo === 'wide');
      assert.equal(first.length, 11);
      const probe = await OnnxVelocityProbe.create({ modelDir: TINY_MODEL, provider: 'cpu', threads: 1 });
      const observations: VelocityObservation[] = [];
      try {
        for (const item of first) {
          const clean = await readImage(join(saveDiag, 'clear', 'wide.png'));
          const degraded = await readImage(join(saveDiag, item.configuration, 'wide.png'));
          const own = (im: RgbFrame): RgbFrame => ({ ...im, data: new Uint8Array(im.data) });
          const steps = await probe.probe(own(degraded), own(clean), v.kGrid, v.kGrid.map((k) => probeSeed(item.seed, k)));
          for (const s of steps) observations.push({ configuration: item.configuration, k: s.k, alpha: s.alpha, ...compareVelocity(s.velocity, s.target) });
        }
      } finally {
        await probe.close();
      }
      const again = velocityRows(observations, v.kGrid, synth.configurations);
      for (const [i, row] of v.rows.entries()) {
        assert.ok(Math.abs(row.rho - again[i]!.rho) < 1e-9 && Math.abs(row.cosine - again[i]!.cosine) < 1e-9, `k = ${row.k}`);
        assert.ok(Math.abs(row.alpha['haze_rain']!.rain - again[i]!.alpha['haze_rain']!.rain) < 1e-9);
      }
    });

    it('--diagnostics on a model without the velocity graph: a notice, and a section that says why', () => {
      const old = join(dir, 'f2d-tiny-before-the-probe');
      cpSync(TINY_MODEL, old, { recursive: true });
      const m = JSON.parse(readFileSync(join(old, 'manifest.json'), 'utf8')) as Record<string, Record<string, unknown>>;
      delete m['files']!['velocity'];
      delete m['io']!['velocity'];
      delete m['velocity'];
      writeFileSync(join(old, 'manifest.json'), JSON.stringify(m));
      rmSync(join(old, 'velocity.onnx'));
      const json = join(dir, 'report-no-velocity.json');
      const r = f2d(['eval', '--photos', photos, '--model', old, '--limit', '1', '--set', `eval.width=${WIDTH}`, '--set', `eval.height=${HEIGHT}`,
        '--diagnostics', '--json', json]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^note: --diagnostics: the velocity probe did not run: model f2d-tiny has no velocity graph \(no files\.velocity in its manifest\.json\); it was exported before the probe existed/m);
      assert.doesNotMatch(r.stderr, /^(error|warning)/m);
      assert.match(r.stdout, /^velocity probe: not measured: model f2d-tiny has no velocity graph/m);
      const section = (JSON.parse(readFileSync(json, 'utf8')) as BenchmarkReport).velocity;
      assert.ok(section !== undefined && section.rows === null);
      assert.match(section.reason, /re-export it with python3 -m f2dnet\.export/);
    });

    it('names the synthesis it used: the training one by default', () => {
      assert.equal(report.synth.name, 'synth');
      assert.equal(report.synth.generator, 'train');
    });

    it('--synth independent benchmarks on models/synth-independent and says so', async () => {
      const saveInd = join(dir, 'bench-independent');
      const json = join(dir, 'report-independent.json');
      const r = f2d(['eval', '--synth', 'independent', '--photos', photos, '--model', TINY_MODEL, '--limit', '1',
        '--set', `eval.width=${WIDTH}`, '--set', `eval.height=${HEIGHT}`, '--save', saveInd, '--json', json]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /synthesis synth-independent seed 0/);
      const ind = JSON.parse(readFileSync(json, 'utf8')) as BenchmarkReport;
      assert.equal(ind.synth.name, 'synth-independent');
      assert.equal(ind.synth.generator, 'independent');
      assert.equal(ind.items.length, 11);
      const item = ind.items.find((i) => i.configuration === 'low_haze_snow')!;
      const clean = await readImage(join(saveInd, 'clear', `${item.photo}.png`));
      const degraded = await readImage(join(saveInd, 'low_haze_snow', `${item.photo}.png`));
      const independent = await OnnxDegrader.create({ modelDir: SYNTH_INDEPENDENT, provider: 'cpu', threads: 1 });
      try {
        const again = await independent.degrade(clean, { configuration: 'low_haze_snow', seed: item.seed });
        assert.deepEqual(new Uint8Array(again.frame.data), new Uint8Array(degraded.data));
      } finally {
        await independent.close();
      }
      const bad = f2d(['eval', '--synth', 'mine', '--photos', photos, '--model', TINY_MODEL]);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, /"synth\.generator" = "mine" \(from flag --synth\) is not allowed: must be one of train, independent/);
    });

    it('points to `npm run photos` when the photos are missing', () => {
      const r = f2d(['eval', '--photos', join(dir, 'no-photos'), '--model', TINY_MODEL]);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /^error \[ERR_EVAL_PHOTOS_MISSING\] no photo manifest at /m);
      assert.match(r.stderr, /^hint: run `npm run photos`/m);
    });
  });
});
