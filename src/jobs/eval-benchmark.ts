/**
 * The benchmark job behind `f2d eval`: the CDD-11-style benchmark on the
 * validation photos, each photo degraded by the weather synthesis in every
 * configuration and restored through the runtime of `f2d restore`.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { synthDir } from '../config/synth-dir.js';
import type { Config } from '../config/types.js';
import { coverCrop, listPhotos, runBenchmark, summarise, type PhotoEntry } from '../eval/benchmark.js';
import type { RgbImage } from '../eval/metrics.js';
import { expertReport } from '../eval/expert-selectivity.js';
import { parserReport } from '../eval/parser-accuracy.js';
import { benchmarkReport, type BenchmarkReport } from '../eval/report.js';
import { firstPerConfiguration, type ProbeItem, type VelocitySection } from '../eval/velocity-probe.js';
import type { RgbFrame } from '../frame.js';
import type { Logger } from '../log.js';
import { cropResizeRgb, readImage, writeImage } from '../media/index.js';
import { OnnxRestorer } from '../model/onnx-restorer.js';
import { ensembleFor, openRestorer, openSynthesis } from '../model/open.js';
import type { ParserMaps } from '../model/types.js';
import type { ProgressSink } from '../restore/index.js';
import { runVelocityDiagnostics, velocityUnavailable } from './eval-velocity.js';

/** The config sections the benchmark reads. */
export type BenchmarkJobConfig = Pick<Config, 'model' | 'synth' | 'eval' | 'image'>;

export interface BenchmarkJobHooks {
  readonly log: Logger;
  readonly signal?: AbortSignal;
  readonly progress?: (unit: string) => ProgressSink;
}

async function saveImage(file: string, image: RgbImage, options: { jpegQuality: number; webpQuality: number }): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeImage(file, image, options);
}

/** Mean of each of the parser's four planar maps. */
function planeMeans(maps: ParserMaps): number[] {
  const plane = maps.width * maps.height;
  return Array.from({ length: maps.data.length / plane }, (_, c) => {
    let sum = 0;
    for (let i = c * plane; i < (c + 1) * plane; i++) sum += maps.data[i]!;
    return sum / plane;
  });
}

/** A copy the model may take: its buffer is transferred to the worker. */
const copy = (im: RgbImage): RgbFrame => ({ width: im.width, height: im.height, data: im.data.slice() });

/**
 * Runs the benchmark and returns its report; with `eval.diagnostics`, the
 * velocity probe after it (`./eval-velocity.ts`) on the first
 * `eval.diagnosticsImages` images of each configuration.
 *
 * @throws {F2dError} ERR_EVAL_PHOTOS_MISSING (hint: `npm run photos`), model and media errors
 */
export async function runBenchmarkJob(config: BenchmarkJobConfig, hooks: BenchmarkJobHooks): Promise<BenchmarkReport> {
  const { log } = hooks;
  const ev = config.eval;
  const saveDir = ev.save;
  const all = await listPhotos(ev.photos, ev.split);
  const photos: readonly PhotoEntry[] = ev.limit > 0 ? all.slice(0, ev.limit) : all;
  const started = performance.now();
  const noVelocity = ev.diagnostics ? await velocityUnavailable(config.model.dir, log) : null;
  const degrader = await openSynthesis(config.synth, config.model, log);
  try {
    // One image at a time: one stream with every thread.
    const restorer = await openRestorer(config.model, log.child('model'), { streams: 1, purpose: 'benchmark' });
    const names = Object.keys(degrader.configurations);
    const view = hooks.progress?.('images');
    // The parser alone on each clean photo (one parser call, no restorer): its false positives.
    const parseClean = restorer instanceof OnnxRestorer ? (im: RgbImage) => restorer.parse(copy(im)) : null;
    const cleanWeights: (readonly number[])[] = [];
    // The images the velocity probe will run on; kept as the benchmark makes them (neither is handed to a worker).
    const probeItems: ProbeItem[] = [];
    const keep = ev.diagnostics && noVelocity === null ? firstPerConfiguration(ev.diagnosticsImages) : null;
    let items;
    try {
      items = await runBenchmark(photos, names, config.synth.seed, {
        loadPhoto: async (photo) => {
          const image = await readImage(photo.path);
          const crop = cropResizeRgb(image, coverCrop(image.width, image.height, ev.width, ev.height), ev.width, ev.height);
          if (parseClean !== null) cleanWeights.push((await parseClean(crop)).weights);
          return crop;
        },
        degrade: async (clean, configuration, seed) => {
          const degraded = (await degrader.degrade(copy(clean), { configuration, seed })).frame;
          if (keep?.({ configuration })) probeItems.push({ configuration, seed, clean, degraded });
          return degraded;
        },
        // Every benchmark image is a new scene: the parser must not reuse the last one's maps.
        restore: async (degraded) => {
          const r = await restorer.restore(copy(degraded), { reparse: true });
          return {
            image: r.frame,
            ...(r.weights === undefined ? {} : { weights: r.weights }),
            ...(r.gate === undefined ? {} : { gate: r.gate }),
            ...(r.maps === undefined ? {} : { mapMeans: planeMeans(r.maps) }),
          };
        },
        save: saveDir === null ? undefined : (rel, image) => saveImage(path.join(saveDir, rel), image, config.image),
        onItem: (done, total) => view?.update({ done, total, elapsedSec: (performance.now() - started) / 1000 }),
        ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
      });
    } finally {
      view?.done();
      await restorer.close();
    }
    // The benchmark's own time: the probe reports its own.
    const seconds = (performance.now() - started) / 1000;
    const velocity: VelocitySection | undefined = !ev.diagnostics
      ? undefined
      : (noVelocity ?? (await runVelocityDiagnostics(config, probeItems, degrader.configurations, Math.min(ev.diagnosticsImages, photos.length), hooks)));
    return benchmarkReport(
      {
        model: {
          name: restorer instanceof OnnxRestorer ? restorer.modelName : path.basename(config.model.dir),
          dir: config.model.dir,
          ensemble: ensembleFor(config.model.ensemble, 'benchmark'),
        },
        synth: {
          name: degrader.modelName,
          // null when synth.dir named a folder of its own rather than a bundled generator
          generator: config.synth.dir === null ? config.synth.generator : null,
          dir: synthDir(config.synth),
          seed: config.synth.seed,
        },
        photos: { dir: ev.photos, split: ev.split, count: photos.length },
        size: { width: ev.width, height: ev.height },
        seconds,
      },
      summarise(items, names, degrader.tiers),
      items,
      parserReport(items, degrader.configurations, cleanWeights),
      expertReport(items, degrader.configurations),
      velocity,
    );
  } finally {
    await degrader.close();
  }
}
