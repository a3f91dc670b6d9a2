/**
 * The CDD-11-style benchmark: validation photos, each cropped to one size and
 * degraded with every weather configuration from a seed derived from (photo,
 * configuration), restored, and scored against the clean crop. The model,
 * the synthesis and the image files come in as functions, so this module holds
 * only the bookkeeping (and runs in tests without onnxruntime or ffmpeg).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { F2dError } from '../errors.js';
import type { PixelRect } from '../media/index.js';
import { mixSeed } from '../model/prng.js';
import type { ExpertObservation } from './expert-selectivity.js';
import { psnr, ssim, toneError, type RgbImage, type ToneError } from './metrics.js';

/** One photo of the benchmark. */
export interface PhotoEntry {
  /** File name without folder and extension, e.g. `budgie-core__default`; names the saved images. */
  readonly name: string;
  readonly path: string;
}

/** PSNR (dB) and SSIM of one picture or a mean of several. */
export interface Scores {
  readonly psnr: number;
  readonly ssim: number;
}

/** One (photo, configuration) pair of the benchmark (with the experts' gate and the parser's map means when the model reports them). */
export interface BenchmarkItem extends ExpertObservation {
  readonly photo: string;
  readonly configuration: string;
  readonly seed: number;
  /** The degraded input against the clean crop. */
  readonly input: Scores;
  /** The restored picture against the clean crop. */
  readonly restored: Scores;
  /** The restored picture's overall brightness and colour against the clean crop's. */
  readonly tone: ToneError;
  /** The degraded input's, for comparison: a restorer should not leave the tone further off than the weather did. */
  readonly inputTone: ToneError;
  /** The parser's weights (`low, haze, rain, snow`) on the degraded input, when the restorer reports them. */
  readonly weights?: readonly number[];
}

/** Mean scores over a group of items. */
export interface ScoreRow {
  readonly count: number;
  readonly input: Scores;
  readonly restored: Scores;
  /** Mean tone error of the restored pictures. */
  readonly tone: ToneError;
  /** Mean tone error of the degraded inputs. */
  readonly inputTone: ToneError;
}

/** Means per configuration, per tier and over all configurations. */
export interface BenchmarkSummary {
  readonly configurations: Readonly<Record<string, ScoreRow>>;
  readonly tiers: Readonly<Record<string, ScoreRow>>;
  /** Mean of the per-configuration means (each configuration weighs the same). */
  readonly mean: ScoreRow;
}

const photoManifestSchema = z.object({
  photos: z.array(z.object({ file: z.string().min(1), split: z.string().min(1) }).passthrough()),
});

/**
 * The photos of one split listed by `<dir>/manifest.json` (`{ photos: [{ file, split }] }`,
 * as `npm run photos` writes it), in manifest order.
 *
 * @throws {F2dError} ERR_EVAL_PHOTOS_MISSING (no manifest), ERR_EVAL_PHOTOS_INVALID (bad JSON or no photo in the split)
 */
export async function listPhotos(dir: string, split: string): Promise<PhotoEntry[]> {
  const manifestPath = path.join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (cause) {
    throw new F2dError('ERR_EVAL_PHOTOS_MISSING', 'input', `no photo manifest at ${manifestPath}`, {
      hint: 'run `npm run photos` to gather the validation photos, or pass --photos <dir> (a folder with manifest.json listing {file, split})',
      cause,
    });
  }
  let parsed: z.infer<typeof photoManifestSchema>;
  try {
    parsed = photoManifestSchema.parse(JSON.parse(text));
  } catch (cause) {
    throw new F2dError('ERR_EVAL_PHOTOS_INVALID', 'input', `${manifestPath} is not a photo manifest: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}`, {
      hint: 'it must be JSON like {"photos": [{"file": "val/a.png", "split": "val"}]}; `npm run photos` writes one',
      cause,
    });
  }
  const seen = new Set<string>();
  const photos = parsed.photos
    .filter((p) => p.split === split)
    .map((p, i) => {
      const stem = path.basename(p.file, path.extname(p.file));
      // Same-named files in different folders would overwrite each other's saved images.
      const name = seen.has(stem) ? `${stem}-${i}` : stem;
      seen.add(name);
      return { name, path: path.resolve(dir, p.file) };
    });
  if (photos.length === 0) {
    const splits = [...new Set(parsed.photos.map((p) => p.split))];
    throw new F2dError('ERR_EVAL_PHOTOS_INVALID', 'input', `${manifestPath} lists no photo in split '${split}' (splits: ${splits.join(', ') || 'none'})`, {
      hint: 'pick another split with --set eval.split=<name>, or regenerate the photos with `npm run photos`',
    });
  }
  return photos;
}

/**
 * The largest centred rectangle of `width`×`height`'s aspect ratio inside a
 * `srcWidth`×`srcHeight` picture: cropping it and scaling it to `width`×`height`
 * keeps the scene whole (up to the aspect) for photos of any size.
 */
export function coverCrop(srcWidth: number, srcHeight: number, width: number, height: number): PixelRect {
  // Compare aspects in integers: srcWidth/srcHeight >= width/height.
  const wider = srcWidth * height >= srcHeight * width;
  const w = wider ? Math.min(srcWidth, Math.round((srcHeight * width) / height)) : srcWidth;
  const h = wider ? srcHeight : Math.min(srcHeight, Math.round((srcWidth * height) / width));
  return { x: Math.floor((srcWidth - w) / 2), y: Math.floor((srcHeight - h) / 2), width: w, height: h };
}

/** The synthesis seed of one (photo, configuration) pair of the benchmark. */
export function benchmarkSeed(baseSeed: number, photoIndex: number, configurationIndex: number): number {
  return mixSeed(baseSeed, photoIndex, configurationIndex);
}

type Scored = Pick<BenchmarkItem, 'input' | 'restored' | 'tone' | 'inputTone'>;

/** The mean of `pick` over `values`. */
function meanOf<T>(values: readonly T[], pick: (value: T) => number): number {
  return values.reduce((sum, value) => sum + pick(value), 0) / values.length;
}

function meanRow(items: readonly Scored[]): ScoreRow {
  return {
    count: items.length,
    input: { psnr: meanOf(items, (i) => i.input.psnr), ssim: meanOf(items, (i) => i.input.ssim) },
    restored: { psnr: meanOf(items, (i) => i.restored.psnr), ssim: meanOf(items, (i) => i.restored.ssim) },
    tone: meanTone(items.map((i) => i.tone)),
    inputTone: meanTone(items.map((i) => i.inputTone)),
  };
}

function meanTone(tones: readonly ToneError[]): ToneError {
  return {
    biasLevels: meanOf(tones, (t) => t.biasLevels),
    rmsLevels: meanOf(tones, (t) => t.rmsLevels),
    psnrWithReferenceMeans: meanOf(tones, (t) => t.psnrWithReferenceMeans),
  };
}

/**
 * Means per configuration (in `order`), per tier (the mean of its configurations'
 * means) and over all configurations.
 *
 * @throws {RangeError} when `items` is empty
 */
export function summarise(items: readonly BenchmarkItem[], order: readonly string[], tiers: Readonly<Record<string, readonly string[]>>): BenchmarkSummary {
  if (items.length === 0) throw new RangeError('no benchmark items to summarise');
  const configurations: Record<string, ScoreRow> = {};
  for (const name of order) {
    const mine = items.filter((i) => i.configuration === name);
    if (mine.length > 0) configurations[name] = meanRow(mine);
  }
  const ofConfigs = (names: readonly string[]): ScoreRow | null => {
    const rows = names.flatMap((n) => (configurations[n] ? [configurations[n]] : []));
    if (rows.length === 0) return null;
    return { ...meanRow(rows), count: rows.reduce((s, r) => s + r.count, 0) };
  };
  const tierRows: Record<string, ScoreRow> = {};
  for (const [tier, names] of Object.entries(tiers)) {
    const row = ofConfigs(names);
    if (row) tierRows[tier] = row;
  }
  return { configurations, tiers: tierRows, mean: ofConfigs(Object.keys(configurations))! };
}

/** What {@link runBenchmark} needs from the model, the synthesis and the file system. */
export interface BenchmarkDeps {
  /** The clean benchmark crop of a photo. */
  readonly loadPhoto: (photo: PhotoEntry) => Promise<RgbImage>;
  /** Synthesises `configuration` on a copy of `clean` from `seed`. */
  readonly degrade: (clean: RgbImage, configuration: string, seed: number) => Promise<RgbImage>;
  /** Restores a copy of `degraded`, with what the model reports of it: the parser's weights and map means, the experts' gate. */
  readonly restore: (degraded: RgbImage) => Promise<{
    readonly image: RgbImage;
    readonly weights?: readonly number[];
    readonly gate?: readonly number[];
    readonly mapMeans?: readonly number[];
  }>;
  /** Writes a benchmark image at a path relative to the save folder (`clear/a.png`…). */
  readonly save?: (relPath: string, image: RgbImage) => Promise<void>;
  readonly onItem?: (done: number, total: number) => void;
  /** Aborting stops after the item in flight (ERR_EVAL_INTERRUPTED). */
  readonly signal?: AbortSignal;
}

const scores = (a: RgbImage, clean: RgbImage): Scores => ({ psnr: psnr(a, clean), ssim: ssim(a, clean) });

/**
 * Runs every photo through every configuration, in order (photo-major), and
 * scores the degraded and the restored picture against the clean crop.
 *
 * @throws {F2dError} ERR_EVAL_INTERRUPTED when `signal` aborts; whatever `deps` throw
 */
export async function runBenchmark(
  photos: readonly PhotoEntry[],
  configurations: readonly string[],
  baseSeed: number,
  deps: BenchmarkDeps,
): Promise<BenchmarkItem[]> {
  const items: BenchmarkItem[] = [];
  const total = photos.length * configurations.length;
  for (const [p, photo] of photos.entries()) {
    const clean = await deps.loadPhoto(photo);
    await deps.save?.(`clear/${photo.name}.png`, clean);
    for (const [c, configuration] of configurations.entries()) {
      if (deps.signal?.aborted) {
        throw new F2dError('ERR_EVAL_INTERRUPTED', 'interrupted', `the benchmark was stopped after ${items.length} of ${total} images`, {
          hint: 'use --limit <n> for a shorter run',
        });
      }
      const seed = benchmarkSeed(baseSeed, p, c);
      const degraded = await deps.degrade(clean, configuration, seed);
      const { image: restored, weights, gate, mapMeans } = await deps.restore(degraded);
      items.push({
        photo: photo.name,
        configuration,
        seed,
        input: scores(degraded, clean),
        restored: scores(restored, clean),
        tone: toneError(restored, clean),
        inputTone: toneError(degraded, clean),
        ...(weights === undefined ? {} : { weights: [...weights] }),
        ...(gate === undefined ? {} : { gate: [...gate] }),
        ...(mapMeans === undefined ? {} : { mapMeans: [...mapMeans] }),
      });
      await deps.save?.(`${configuration}/${photo.name}.png`, degraded);
      await deps.save?.(`restored/${configuration}/${photo.name}.png`, restored);
      deps.onItem?.(items.length, total);
    }
  }
  return items;
}
