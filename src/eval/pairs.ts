/**
 * `f2d eval --pairs <degradedDir> <cleanDir>`: PSNR/SSIM of existing images
 * against the clean images of the same name (any image extension), e.g. a
 * CDD-11 folder pair or what `f2d eval --save` wrote.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { F2dError } from '../errors.js';
import { imageFormatOf } from '../media/formats.js';
import { psnr, ssim, type RgbImage } from './metrics.js';
import type { Scores } from './benchmark.js';

/** One scored file. */
export interface PairItem extends Scores {
  readonly file: string;
}

/** The mean over every pair and the pairs themselves. */
export interface PairsReport {
  readonly format: 'f2d-eval-pairs/1';
  readonly degradedDir: string;
  readonly cleanDir: string;
  readonly count: number;
  readonly mean: Scores;
  readonly items: readonly PairItem[];
}

async function imagesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((cause: unknown) => {
    throw new F2dError('ERR_INPUT_NOT_FOUND', 'input', `cannot list the folder "${dir}"`, { hint: 'check the path of both --pairs folders', cause });
  });
  return entries.filter((e) => e.isFile() && imageFormatOf(e.name) !== undefined).map((e) => e.name).sort();
}

const stem = (file: string): string => path.basename(file, path.extname(file));

/**
 * Scores every image of `degradedDir` against the same-named one in `cleanDir`.
 *
 * @throws {F2dError} ERR_EVAL_PAIRS (no pairs, a clean image missing, sizes that differ), the reader's errors
 */
export async function scorePairs(degradedDir: string, cleanDir: string, read: (file: string) => Promise<RgbImage>): Promise<PairsReport> {
  const degraded = await imagesIn(degradedDir);
  const clean = new Map((await imagesIn(cleanDir)).map((f) => [stem(f), f]));
  if (degraded.length === 0) {
    throw new F2dError('ERR_EVAL_PAIRS', 'input', `no png/jpg/webp images in "${degradedDir}"`, {
      hint: 'usage: f2d eval --pairs <degradedDir> <cleanDir> (images matched by name)',
    });
  }
  const missing = degraded.filter((f) => !clean.has(stem(f)));
  if (missing.length > 0) {
    throw new F2dError('ERR_EVAL_PAIRS', 'input', `no clean image in "${cleanDir}" for ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`, {
      hint: 'each degraded image needs a clean image with the same name (extension aside)',
    });
  }
  const items: PairItem[] = [];
  for (const file of degraded) {
    const a = await read(path.join(degradedDir, file));
    const b = await read(path.join(cleanDir, clean.get(stem(file))!));
    if (a.width !== b.width || a.height !== b.height) {
      throw new F2dError('ERR_EVAL_PAIRS', 'input', `"${file}" is ${a.width}x${a.height} but its clean image is ${b.width}x${b.height}`, {
        hint: 'pairs must have the same size',
      });
    }
    items.push({ file, psnr: psnr(a, b), ssim: ssim(a, b) });
  }
  const n = items.length;
  return {
    format: 'f2d-eval-pairs/1',
    degradedDir,
    cleanDir,
    count: n,
    mean: { psnr: items.reduce((s, i) => s + i.psnr, 0) / n, ssim: items.reduce((s, i) => s + i.ssim, 0) / n },
    items,
  };
}
