/**
 * Restoring still images: one file, or every image in a directory into an
 * output directory with the same file names and formats (so a restored set
 * can be scored against its ground truth).
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { OutputError, F2dError } from '../errors.js';
import { imageExtensions, imageFormatOf, readImage, writeImage } from '../media/index.js';
import { checkOutputFile, checkWritableDir, commitOutput, discardOutput, temporaryName } from './output-target.js';
import { StageTimes } from './stage-times.js';
import type { RestoreRunOptions, RunSummary } from './types.js';

async function restoreOne(input: string, output: string, options: RestoreRunOptions, times: StageTimes): Promise<void> {
  const image = await times.timeAsync('decode', () => readImage(input));
  const { width, height } = image;
  const result = await times.timeAsync('wait', () => options.restorer.restore(image));
  times.addAll(result.timings, 'model.');
  if (result.frame.width !== width || result.frame.height !== height) {
    throw new F2dError(
      'ERR_MODEL_OUTPUT_SIZE',
      'model',
      `the restorer returned ${result.frame.width}x${result.frame.height} for a ${width}x${height} image`,
    );
  }
  const tmp = temporaryName(output);
  try {
    await times.timeAsync('encode', () => writeImage(tmp, result.frame, options.image));
    await commitOutput(tmp, output);
  } catch (err) {
    await discardOutput(tmp);
    throw err;
  }
}

function summary(kind: RunSummary['kind'], input: string, output: string, frames: number, total: number, t0: number, times: StageTimes, interrupted: boolean): RunSummary {
  const seconds = (performance.now() - t0) / 1000;
  return {
    kind,
    input,
    output,
    frames,
    expectedFrames: total,
    seconds,
    fps: seconds > 0 ? frames / seconds : 0,
    stages: times.toJSON(),
    interrupted,
    damage: null,
    warnings: interrupted ? [`interrupted: ${frames} of ${total} images were restored`] : [],
  };
}

/**
 * Restores one image; the output's extension picks its format.
 *
 * @throws {OutputError} ERR_OUTPUT_FORMAT when the output name is not an image name
 */
export async function restoreImage(input: string, output: string, options: RestoreRunOptions): Promise<RunSummary> {
  if (!imageFormatOf(output)) {
    throw new OutputError('ERR_OUTPUT_FORMAT', `the input "${input}" is an image but the output "${output}" is not an image name`, {
      hint: `name the output with one of ${imageExtensions().join(', ')}`,
    });
  }
  await checkOutputFile(input, output, options.overwrite);
  const times = new StageTimes();
  const t0 = options.startedAt ?? performance.now();
  await restoreOne(input, output, options, times);
  options.onProgress?.({ done: 1, total: 1, elapsedSec: (performance.now() - t0) / 1000 });
  return summary('image', input, output, 1, 1, t0, times, false);
}

/**
 * Restores every png/jpg/webp directly inside `input` into `output` (created
 * if missing) under the same names. Existing files there need `overwrite`.
 *
 * @throws {F2dError} ERR_INPUT_NO_IMAGES, ERR_OUTPUT_EXISTS (listing the clashes), ERR_OUTPUT_IS_INPUT
 */
export async function restoreImageDir(input: string, output: string, options: RestoreRunOptions): Promise<RunSummary> {
  const { log } = options;
  if (resolve(input) === resolve(output)) {
    throw new OutputError('ERR_OUTPUT_IS_INPUT', `the output directory "${output}" is the input directory`, {
      hint: 'choose another output directory with -o; the restored images keep their names',
    });
  }
  const entries = (await readdir(input, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  const names = entries.filter((n) => imageFormatOf(n) !== undefined);
  const skipped = entries.length - names.length;
  if (skipped > 0) log.info(`skipping ${skipped} file(s) in "${input}" that are not ${imageExtensions().join('/')} images`);
  if (names.length === 0) {
    throw new F2dError('ERR_INPUT_NO_IMAGES', 'input', `the directory "${input}" holds no images`, {
      hint: `put ${imageExtensions().join(', ')} files directly inside it (subdirectories are not searched)`,
    });
  }
  const outInfo = await stat(output).catch(() => null);
  if (outInfo && !outInfo.isDirectory()) {
    throw new OutputError('ERR_OUTPUT_NOT_DIR', `the input is a directory but the output "${output}" is a file`, {
      hint: 'give a directory for -o; it is created if missing',
    });
  }
  await checkWritableDir(output, output);
  if (!options.overwrite) {
    const existing = new Set(await readdir(output));
    const clashes = names.filter((n) => existing.has(n));
    if (clashes.length > 0) {
      const shown = clashes.slice(0, 5).join(', ') + (clashes.length > 5 ? `, … (${clashes.length} in all)` : '');
      throw new OutputError('ERR_OUTPUT_EXISTS', `the output directory "${output}" already holds ${shown}`, {
        hint: 'pass --overwrite to replace them, or choose another output directory',
      });
    }
  }
  const times = new StageTimes();
  const t0 = options.startedAt ?? performance.now();
  let done = 0;
  for (const name of names) {
    if (options.signal?.aborted) return summary('image-dir', input, output, done, names.length, t0, times, true);
    await restoreOne(join(input, name), join(output, basename(name)), options, times);
    done++;
    options.onProgress?.({ done, total: names.length, elapsedSec: (performance.now() - t0) / 1000 });
  }
  return summary('image-dir', input, output, done, names.length, t0, times, false);
}
