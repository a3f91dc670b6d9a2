/**
 * `f2d eval`: the CDD-11-style benchmark on the validation photos through the
 * runtime of `f2d restore`, or `f2d eval --pairs <degradedDir> <cleanDir>`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { F2dError, OutputError } from '../../errors.js';
import { coverCrop, listPhotos, runBenchmark, summarise, type PhotoEntry } from '../../eval/benchmark.js';
import type { RgbImage } from '../../eval/metrics.js';
import { scorePairs } from '../../eval/pairs.js';
import { benchmarkReport, formatBenchmarkTable } from '../../eval/report.js';
import { cropResizeRgb, readImage, writeImage } from '../../media/index.js';
import { OnnxDegrader } from '../../model/onnx-degrader.js';
import { OnnxRestorer } from '../../model/onnx-restorer.js';
import type { RgbFrame } from '../../model/types.js';
import type { ParsedArgs } from '../args.js';
import { openRestorer, type CommandContext } from './restore.js';

type Out = NodeJS.WritableStream;

async function saveImage(file: string, image: RgbImage, options: { jpegQuality: number; webpQuality: number }): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeImage(file, image, options);
}

const copy = (im: RgbImage): RgbFrame => ({ width: im.width, height: im.height, data: im.data.slice() });

async function writeJson(file: string, doc: unknown): Promise<void> {
  try {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
  } catch (cause) {
    throw new OutputError('ERR_OUTPUT_WRITE', `cannot write the report "${file}": ${cause instanceof Error ? cause.message : String(cause)}`, {
      hint: 'check that the folder is writable, or pick another file for --json / -o',
      cause,
    });
  }
}

/**
 * Where the JSON goes: `--json <file>` or `-o <file>` to a file (the table still
 * prints), a bare `--json` to stdout instead of the table.
 */
function jsonTarget(args: ParsedArgs, extra: readonly string[]): { file: string | null; stdout: boolean } {
  if (extra.length > 1 || (extra.length === 1 && !args.json)) {
    throw new F2dError('ERR_CONFIG_USAGE', 'config', `f2d eval takes no input, got ${extra.join(' ')}`, {
      hint: 'usage: f2d eval [--photos <dir>] [--limit <n>] [--json [file]], or f2d eval --pairs <degradedDir> <cleanDir>',
    });
  }
  const file = extra[0] ?? args.output ?? null;
  return { file, stdout: args.json && file === null };
}

async function pairsCommand(args: ParsedArgs, ctx: CommandContext, stdout: Out): Promise<number> {
  const [degradedDir, cleanDir, ...rest] = args.positionals;
  if (degradedDir === undefined || cleanDir === undefined) {
    throw new F2dError('ERR_CONFIG_USAGE', 'config', 'f2d eval --pairs needs two folders', {
      hint: 'usage: f2d eval --pairs <degradedDir> <cleanDir> [--json [file]]',
    });
  }
  const target = jsonTarget(args, rest);
  const report = await scorePairs(degradedDir, cleanDir, readImage);
  if (target.file !== null) await writeJson(target.file, report);
  if (target.stdout) stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    stdout.write(`${report.count} pairs (${degradedDir} vs ${cleanDir}): PSNR ${report.mean.psnr.toFixed(2)} dB, SSIM ${report.mean.ssim.toFixed(4)}\n`);
  }
  ctx.log.debug(`scored ${report.count} pairs`);
  return 0;
}

/**
 * Runs `f2d eval` and prints its table and/or JSON.
 *
 * @returns the exit code (0)
 * @throws {F2dError} ERR_EVAL_PHOTOS_MISSING (hint: `npm run photos`), model and media errors
 */
export async function evalCommand(args: ParsedArgs, ctx: CommandContext, stdout: Out): Promise<number> {
  if (args.pairs) return pairsCommand(args, ctx, stdout);
  const { config, log } = ctx;
  const target = jsonTarget(args, args.positionals);
  const ev = config.eval;
  const saveDir = ev.save;
  const all = await listPhotos(ev.photos, ev.split);
  const photos: readonly PhotoEntry[] = ev.limit > 0 ? all.slice(0, ev.limit) : all;
  const started = performance.now();
  const degrader = await OnnxDegrader.create({
    modelDir: config.synth.dir,
    provider: config.model.provider,
    threads: config.model.threads,
    onWarning: (w) => log.warn(w),
  });
  try {
    // One image at a time: one stream with every thread.
    const restorer = await openRestorer(config, log.child('model'), { streams: 1 });
    const names = Object.keys(degrader.configurations);
    const view = ctx.progress('images');
    let items;
    try {
      items = await runBenchmark(photos, names, config.synth.seed, {
        loadPhoto: async (photo) => {
          const image = await readImage(photo.path);
          return cropResizeRgb(image, coverCrop(image.width, image.height, ev.width, ev.height), ev.width, ev.height);
        },
        degrade: async (clean, configuration, seed) => (await degrader.degrade(copy(clean), { configuration, seed })).frame,
        // Every benchmark image is a new scene: the parser must not reuse the last one's maps.
        restore: async (degraded) => (await restorer.restore(copy(degraded), { reparse: true })).frame,
        save: saveDir === null ? undefined : (rel, image) => saveImage(path.join(saveDir, rel), image, config.image),
        onItem: (done, total) => view.update({ done, total, elapsedSec: (performance.now() - started) / 1000 }),
        signal: ctx.signal,
      });
    } finally {
      view.done();
      await restorer.close();
    }
    const report = benchmarkReport(
      {
        model: { name: restorer instanceof OnnxRestorer ? restorer.modelName : path.basename(config.model.dir), dir: config.model.dir },
        synth: { name: degrader.modelName, dir: config.synth.dir, seed: config.synth.seed },
        photos: { dir: ev.photos, split: ev.split, count: photos.length },
        size: { width: ev.width, height: ev.height },
        seconds: (performance.now() - started) / 1000,
      },
      summarise(items, names, degrader.tiers),
      items,
    );
    if (target.file !== null) await writeJson(target.file, report);
    stdout.write(target.stdout ? `${JSON.stringify(report, null, 2)}\n` : formatBenchmarkTable(report));
    return 0;
  } finally {
    await degrader.close();
  }
}
