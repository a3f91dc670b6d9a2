/**
 * `f2d restore <input> [-o <output>]`.
 */
import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { basename, dirname, extname, join } from 'node:path';
import type { Config } from '../../config/types.js';
import { F2dError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { isVideoOutputName } from '../../media/index.js';
import { OnnxRestorer } from '../../model/onnx-restorer.js';
import { RestorerPool } from '../../model/restorer-pool.js';
import type { FrameRestorer } from '../../model/types.js';
import { preflight, restore, type RunSummary } from '../../restore/index.js';
import type { ProgressView } from '../progress.js';

export interface CommandContext {
  readonly config: Config;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Makes the progress view for the input kind (frames or images). */
  readonly progress: (unit: string) => ProgressView;
}

/**
 * The default output next to the input: `clip.mp4` → `clip-restored.mp4`,
 * `photos/` → `photos-restored/` (`suffix` replaces `restored`, e.g. `f2d degrade`'s
 * weather name); videos in containers f2d cannot write go to `.mp4`.
 */
export function defaultOutput(input: string, isDir: boolean, suffix = 'restored'): string {
  const clean = input.replace(/[\\/]+$/, '');
  if (isDir) return `${clean}-${suffix}`;
  const ext = extname(clean);
  const name = `${basename(clean, ext)}-${suffix}`;
  const keep = ext && (isVideoOutputName(clean) || /\.(png|jpe?g|webp)$/i.test(ext));
  return join(dirname(clean), `${name}${keep ? ext : '.mp4'}`);
}

/** Builds the model restorer from the config (the file path never special-cases any model). */
export async function openRestorer(config: Config, log: Logger, use: { streams?: number } = {}): Promise<FrameRestorer> {
  const m = config.model;
  const streams = use.streams ?? m.streams;
  log.debug(`loading model ${m.dir} on ${m.provider}${streams === 1 ? '' : `, ${streams || 'automatic'} streams`}`);
  const options = {
    modelDir: m.dir,
    provider: m.provider,
    threads: m.threads,
    parserInterval: m.parserInterval,
    tileSize: m.tileSize,
    tileOverlap: m.tileOverlap,
    onWarning: (w: string) => log.warn(w),
  };
  return streams === 1 ? OnnxRestorer.create(options) : RestorerPool.create({ ...options, streams });
}

/**
 * Restores `input` into `output` with a restorer from `makeRestorer`, showing progress.
 *
 * @returns the run summary (damage and interruption are in it, not thrown)
 */
export async function runRestore(
  input: string,
  output: string,
  ctx: CommandContext,
  makeRestorer?: () => Promise<FrameRestorer>,
): Promise<RunSummary> {
  const { config, log, signal } = ctx;
  const kind = await preflight(input, output, config.output.overwrite, log.child('media'));
  // Timed from here, so the summary counts the model's loading whether it happens up front (one
  // stream) or on the first frame (a pool of streams).
  const startedAt = performance.now();
  // Images go one at a time: only a video keeps several frames in flight for several streams.
  const restorer = await (makeRestorer ?? (() => openRestorer(config, log.child('model'), kind === 'video' ? {} : { streams: 1 })))();
  const view = ctx.progress(kind === 'video' ? 'frames' : 'images');
  try {
    return await restore(input, output, {
      restorer,
      log,
      overwrite: config.output.overwrite,
      encode: config.encode,
      image: config.image,
      signal,
      startedAt,
      onProgress: (p) => view.update(p),
    });
  } finally {
    view.done();
    await restorer.close();
  }
}

/** `f2d restore` argument handling. */
export async function restoreCommand(positionals: readonly string[], output: string | undefined, ctx: CommandContext): Promise<RunSummary> {
  const [input, ...extra] = positionals;
  if (input === undefined) {
    throw new F2dError('ERR_CONFIG_USAGE', 'config', 'f2d restore needs an input: f2d restore <input> [-o <output>]', {
      hint: 'pass a video, an image or a directory of images',
    });
  }
  if (extra.length > 0) {
    throw new F2dError('ERR_CONFIG_USAGE', 'config', `f2d restore takes one input, got also ${extra.join(' ')}`, {
      hint: 'give the output with -o <output>; quote paths that contain spaces',
    });
  }
  // A missing input is reported by preflight with its own message.
  const isDir = (await stat(input).catch(() => null))?.isDirectory() ?? false;
  return runRestore(input, output ?? defaultOutput(input, isDir), ctx);
}
