/**
 * Restoring every image of a directory into an output directory, same file
 * names and formats (so a restored set can be scored against its ground truth).
 *
 * A directory run goes on past a bad file: an image that cannot be read or
 * encoded is reported (a line when it happens, listed in the summary) and
 * skipped, and the run ends with exit 4. Failures that would hit every image
 * (the model, a full disk) still stop it.
 *
 * A re-run continues what is missing: an output that already exists is kept
 * and its image skipped, with a note. f2d publishes each output complete
 * under its name in one step (`publish-output.ts`), so an output file from an
 * earlier run is a finished one. `--overwrite` restores them all again.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { F2dError, OutputError } from '../errors.js';
import type { Logger } from '../log.js';
import { imageExtensions, imageFormatOf } from '../media/index.js';
import { imageSummary, restoreOne } from './images.js';
import { checkWritableDir } from './output-target.js';
import { isSameLocation } from './real-path.js';
import { StageTimes } from './stage-times.js';
import type { FileFailure, RestoreRunOptions, RunSummary } from './types.js';

/**
 * Restores every png/jpg/webp directly inside `input` into `output` (created if missing)
 * under the same names; see the module doc for bad files and existing outputs.
 *
 * @throws {F2dError} ERR_INPUT_NO_IMAGES, ERR_OUTPUT_IS_INPUT, ERR_OUTPUT_NOT_DIR,
 *   ERR_OUTPUT_UNWRITABLE, and an error that is not about one file (the model's…)
 */
export async function restoreImageDir(input: string, output: string, options: RestoreRunOptions): Promise<RunSummary> {
  const { log } = options;
  if (await isSameLocation(input, output)) {
    throw new OutputError('ERR_OUTPUT_IS_INPUT', `the output directory "${output}" is the input directory "${input}" (the same folder, or a link to it)`, {
      hint: 'choose another output directory with -o; the restored images keep their names',
    });
  }
  const names = await imageNames(input, log);
  const outInfo = await stat(output).catch(() => null);
  if (outInfo && !outInfo.isDirectory()) {
    throw new OutputError('ERR_OUTPUT_NOT_DIR', `the input is a directory but the output "${output}" is a file`, {
      hint: 'give a directory for -o; it is created if missing',
    });
  }
  await checkWritableDir(output, output);
  const times = new StageTimes();
  const t0 = options.startedAt ?? performance.now();
  const failed: FileFailure[] = [];
  let restored = 0;
  let kept = 0;
  let interrupted = false;
  for (const [i, name] of names.entries()) {
    if (options.signal?.aborted) {
      interrupted = true;
      break;
    }
    const source = join(input, name);
    const target = join(output, name);
    try {
      if (!options.overwrite && (await earlierOutput(target))) {
        kept++;
        log.debug(`"${target}" exists: kept, "${name}" skipped`);
      } else {
        await restoreOne(source, target, options, times);
        restored++;
      }
    } catch (err) {
      if (!isAboutThisFile(err)) throw err;
      failed.push({ file: source, code: err.code, message: err.message });
      log.error(`skipped "${source}": [${err.code}] ${err.message}${err.hint ? ` (${err.hint})` : ''}`);
    }
    options.onProgress?.({ done: i + 1, total: names.length, elapsedSec: (performance.now() - t0) / 1000 });
  }
  const warnings: string[] = [];
  if (kept > 0) {
    warnings.push(`${kept} of ${names.length} images were already restored in "${output}" and were kept as they are; pass --overwrite to restore them again`);
  }
  if (failed.length > 0) {
    const shown = failed.slice(0, 5).map((f) => f.file).join(', ') + (failed.length > 5 ? `, … (${failed.length} in all)` : '');
    warnings.push(`${failed.length} of ${names.length} images could not be restored and were skipped: ${shown}`);
  }
  const files = { restored, kept, failed };
  return imageSummary('image-dir', { input, output, frames: restored, total: names.length, t0, times }, interrupted, warnings, files);
}

/** The image files directly inside `dir`, sorted. */
async function imageNames(dir: string, log: Logger): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  const names = entries.filter((n) => imageFormatOf(n) !== undefined);
  const others = entries.length - names.length;
  if (others > 0) log.info(`skipping ${others} file(s) in "${dir}" that are not ${imageExtensions().join('/')} images`);
  if (names.length === 0) {
    throw new F2dError('ERR_INPUT_NO_IMAGES', 'input', `the directory "${dir}" holds no images`, {
      hint: `put ${imageExtensions().join(', ')} files directly inside it (subdirectories are not searched)`,
    });
  }
  return names;
}

/**
 * `true` when `target` holds an earlier run's output (a non-empty file); throws when the name
 * is taken by something that cannot be one (a directory, an empty file), which only
 * `--overwrite` may replace.
 */
async function earlierOutput(target: string): Promise<boolean> {
  const info = await stat(target).catch(() => null);
  if (info === null) return false;
  if (info.isFile() && info.size > 0) return true;
  throw new OutputError('ERR_OUTPUT_EXISTS', `"${target}" exists but is ${info.isFile() ? 'an empty file' : 'not a file'}, not a restored image`, {
    hint: 'move it away, or pass --overwrite to replace it',
  });
}

/**
 * Errors about one image that the run can go past: it cannot be read or decoded (input,
 * decode), or its output cannot be encoded or was taken. The model and the disk failing would
 * fail every image: those stop the run.
 */
function isAboutThisFile(err: unknown): err is F2dError {
  if (!(err instanceof F2dError)) return false;
  return err.category === 'input' || err.category === 'decode' || err.code === 'ERR_ENCODE_IMAGE' || err.code === 'ERR_OUTPUT_EXISTS';
}
