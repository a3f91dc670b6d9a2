import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { F2dError } from '../../src/errors.js';
import { benchmarkSeed, coverCrop, listPhotos, runBenchmark, summarise, type BenchmarkItem } from '../../src/eval/benchmark.js';
import type { RgbImage } from '../../src/eval/metrics.js';
import { benchmarkReport, formatBenchmarkTable } from '../../src/eval/report.js';
import { mixSeed } from '../../src/model/prng.js';
import { lcgImage } from '../helpers/naive-metrics.js';

const item = (configuration: string, photo: string, inPsnr: number, outPsnr: number): BenchmarkItem => ({
  photo,
  configuration,
  seed: 0,
  input: { psnr: inPsnr, ssim: inPsnr / 100 },
  restored: { psnr: outPsnr, ssim: outPsnr / 100 },
  tone: { biasLevels: outPsnr - 20, rmsLevels: outPsnr - 15, psnrWithReferenceMeans: outPsnr + 1 },
  inputTone: { biasLevels: inPsnr - 20, rmsLevels: inPsnr - 2, psnrWithReferenceMeans: inPsnr + 1 },
});

describe('eval/benchmark', () => {
  describe('coverCrop', () => {
    it('takes the full height of a wide photo, centred', () => {
      // 1280x720 at 4:3 → 960x720 from x = (1280 − 960) / 2
      assert.deepEqual(coverCrop(1280, 720, 512, 384), { x: 160, y: 0, width: 960, height: 720 });
    });
    it('takes the full width of a tall photo, centred', () => {
      // 256x256 at 4:3 → 256x192 from y = 32
      assert.deepEqual(coverCrop(256, 256, 512, 384), { x: 0, y: 32, width: 256, height: 192 });
    });
    it('rounds to whole pixels and keeps the rectangle inside', () => {
      // 320x119: 119 · 4/3 = 158.67 → 159 wide, x = floor(161 / 2)
      assert.deepEqual(coverCrop(320, 119, 512, 384), { x: 80, y: 0, width: 159, height: 119 });
      assert.deepEqual(coverCrop(512, 384, 512, 384), { x: 0, y: 0, width: 512, height: 384 });
    });
  });

  describe('listPhotos', () => {
    let dir: string;
    before(() => {
      dir = join(tmpdir(), `f2d-photos-${process.pid}`);
      mkdirSync(dir, { recursive: true });
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('lists the split in manifest order with names from the file stems', async () => {
      writeFileSync(
        join(dir, 'manifest.json'),
        JSON.stringify({ photos: [{ file: 'val/b.png', split: 'val' }, { file: 'train/a.png', split: 'train' }, { file: 'val/a.jpg', split: 'val' }, { file: 'x/a.png', split: 'val' }] }),
      );
      const photos = await listPhotos(dir, 'val');
      assert.deepEqual(
        photos.map((p) => p.name),
        ['b', 'a', 'a-2'],
        'a repeated stem gets its index so saved images do not collide',
      );
      assert.equal(photos[0]!.path, join(dir, 'val', 'b.png'));
    });

    it('names `npm run photos` when there is no manifest', async () => {
      await assert.rejects(listPhotos(join(dir, 'none'), 'val'), (err: unknown) => {
        assert.ok(err instanceof F2dError);
        assert.equal(err.code, 'ERR_EVAL_PHOTOS_MISSING');
        assert.equal(err.category, 'input');
        assert.match(err.hint ?? '', /npm run photos/);
        return true;
      });
    });

    it('lists the splits there are when the one asked for is empty', async () => {
      await assert.rejects(listPhotos(dir, 'test'), /lists no photo in split 'test' \(splits: val, train\)/);
      writeFileSync(join(dir, 'manifest.json'), '{"photos": [{"file": 3}]}');
      await assert.rejects(listPhotos(dir, 'val'), (err: unknown) => err instanceof F2dError && err.code === 'ERR_EVAL_PHOTOS_INVALID');
    });
  });

  describe('summarise', () => {
    const tiers = { single: ['rain', 'snow'], pair: ['rain_snow'] };
    const items = [
      item('rain', 'p0', 10, 20),
      item('rain', 'p1', 12, 22),
      item('snow', 'p0', 20, 30),
      item('snow', 'p1', 24, 34),
      item('rain_snow', 'p0', 8, 18),
      item('rain_snow', 'p1', 6, 16),
    ];

    it('means per configuration, per tier (of the configuration means) and over all', () => {
      const s = summarise(items, ['rain', 'snow', 'rain_snow'], tiers);
      assert.deepEqual(Object.keys(s.configurations), ['rain', 'snow', 'rain_snow']);
      const rain = s.configurations['rain']!;
      assert.equal(rain.count, 2);
      assert.deepEqual([rain.input.psnr, rain.restored.psnr], [11, 21]);
      assert.ok(Math.abs(rain.input.ssim - 0.11) < 1e-12 && Math.abs(rain.restored.ssim - 0.21) < 1e-12);
      assert.equal(s.tiers['single']!.input.psnr, (11 + 22) / 2);
      assert.equal(s.tiers['single']!.count, 4);
      assert.equal(s.tiers['pair']!.restored.psnr, 17);
      assert.equal(s.mean.input.psnr, (11 + 22 + 7) / 3);
      assert.equal(s.mean.count, 6);
      assert.deepEqual(rain.tone, { biasLevels: 1, rmsLevels: 6, psnrWithReferenceMeans: 22 });
      assert.deepEqual(rain.inputTone, { biasLevels: -9, rmsLevels: 9, psnrWithReferenceMeans: 12 });
    });

    it('skips tiers whose configurations did not run, and refuses no items', () => {
      const s = summarise(items.slice(0, 2), ['rain', 'snow', 'rain_snow'], tiers);
      assert.deepEqual(Object.keys(s.tiers), ['single']);
      assert.throws(() => summarise([], ['rain'], tiers), /no benchmark items/);
    });

    it('prints a row per configuration and tier, and the mean', () => {
      const s = summarise(items, ['rain', 'snow', 'rain_snow'], tiers);
      const report = benchmarkReport(
        {
          model: { name: 'm', dir: 'models/m' },
          synth: { name: 'synth', generator: 'train', dir: 'models/synth', seed: 0 },
          photos: { dir: 'p', split: 'val', count: 2 },
          size: { width: 64, height: 48 },
          seconds: 1,
        },
        s,
        items,
      );
      const table = formatBenchmarkTable(report);
      assert.match(table, /^rain\s+11\.00\s+0\.1100\s+21\.00\s+0\.2100\s+\+10\.00\s+2\s+\+1\.0\s+22\.00\s+9\.0→6\.0$/m);
      assert.match(table, /^single \(tier\)\s+16\.50/m);
      assert.match(table, /^mean\s+13\.33/m);
      assert.equal(report.format, 'f2d-eval/1');
    });
  });

  describe('runBenchmark', () => {
    const photos = [
      { name: 'a', path: '/photos/a.png' },
      { name: 'b', path: '/photos/b.png' },
    ];
    const clean = (name: string): RgbImage => lcgImage(8, 8, name.charCodeAt(0));
    /** Fake synthesis: the clean picture with every value shifted by (seed mod 7) + 1. */
    const shift = (im: RgbImage, by: number): RgbImage => ({ ...im, data: im.data.map((v) => Math.min(255, v + by)) });

    it('runs photo-major with seeds from (base, photo, configuration) and scores input and output', async () => {
      const calls: string[] = [];
      const saved: string[] = [];
      const items = await runBenchmark(photos, ['rain', 'haze'], 9, {
        loadPhoto: async (p) => clean(p.name),
        degrade: async (im, configuration, seed) => {
          calls.push(`${configuration}:${seed}`);
          return shift(im, (seed % 7) + 1);
        },
        // Identity: restored scores equal input scores; the parser's weights ride along.
        restore: async (im) => ({ image: im, weights: [0.1, 0.2, 0.9, 0] }),
        save: async (rel) => {
          saved.push(rel);
        },
      });
      assert.deepEqual(calls, [
        `rain:${mixSeed(9, 0, 0)}`,
        `haze:${mixSeed(9, 0, 1)}`,
        `rain:${mixSeed(9, 1, 0)}`,
        `haze:${mixSeed(9, 1, 1)}`,
      ]);
      assert.equal(benchmarkSeed(9, 1, 0), mixSeed(9, 1, 0));
      assert.deepEqual(
        items.map((i) => `${i.photo}/${i.configuration}`),
        ['a/rain', 'a/haze', 'b/rain', 'b/haze'],
      );
      for (const i of items) {
        assert.deepEqual(i.restored, i.input);
        assert.deepEqual(i.weights, [0.1, 0.2, 0.9, 0]);
        assert.ok(i.input.psnr < 100 && i.input.psnr > 30, `a shift of a few levels: ${i.input.psnr}`);
      }
      assert.deepEqual(saved.slice(0, 3), ['clear/a.png', 'rain/a.png', 'restored/rain/a.png']);
      assert.equal(saved.length, 2 + 4 * 2);
    });

    it('stops with ERR_EVAL_INTERRUPTED when aborted', async () => {
      const ac = new AbortController();
      await assert.rejects(
        runBenchmark(photos, ['rain', 'haze'], 0, {
          loadPhoto: async (p) => clean(p.name),
          degrade: async (im) => im,
          restore: async (im) => {
            ac.abort();
            return { image: im };
          },
          signal: ac.signal,
        }),
        (err: unknown) => err instanceof F2dError && err.code === 'ERR_EVAL_INTERRUPTED' && /after 1 of 4 images/.test(err.message),
      );
    });
  });
});
