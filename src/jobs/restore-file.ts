/**
 * The file job behind `f2d restore`, `f2d start` and `f2d degrade`: plan the
 * run (input, output, checks) before anything slow, open the per-frame
 * transform, run the file loop with progress, close. A queue worker runs the
 * same two calls with a plan it received, without the CLI.
 *
 * @example
 * const plan = await planFileJob('rainy.mp4', undefined, config, log);
 * const summary = await runFileJob(plan, config, { log });
 */
import { performance } from 'node:perf_hooks';
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import { openRestorer } from '../model/open.js';
import type { FrameRestorer } from '../model/types.js';
import { planFile, restoreFile, type FilePlan, type ProgressSink, type RunSummary } from '../restore/index.js';

/** The config sections a file job reads. */
export type FileJobConfig = Pick<Config, 'model' | 'encode' | 'image' | 'output'>;

export interface FileJobHooks {
  readonly log: Logger;
  /** Aborting it (Ctrl-C) stops after the frame in flight; the output keeps what was done. */
  readonly signal?: AbortSignal;
  /** Makes a progress display for the unit counted (`frames` or `images`). */
  readonly progress?: (unit: string) => ProgressSink;
  /** Opens the per-frame transform for the plan; the configured restorer by default. */
  readonly open?: (plan: FilePlan) => Promise<FrameRestorer>;
}

/**
 * Plans a file job: `output` defaults to `<input>-<suffix>` next to the input; the
 * output is checked (and a video probed) here, once.
 *
 * @throws {F2dError} input and output errors (see `planFile`)
 */
export function planFileJob(input: string, output: string | undefined, config: Pick<Config, 'output'>, log: Logger, suffix?: string): Promise<FilePlan> {
  return planFile(input, output, { overwrite: config.output.overwrite, log: log.child('media'), ...(suffix === undefined ? {} : { suffix }) });
}

/**
 * Runs a planned file job and closes what it opened.
 *
 * @returns the run summary (damage and interruption are in it, not thrown)
 */
export async function runFileJob(plan: FilePlan, config: FileJobConfig, hooks: FileJobHooks): Promise<RunSummary> {
  const { log } = hooks;
  // Timed from here, so the summary counts the model's loading whether it happens up front (one
  // stream) or on the first frame (a pool of streams).
  const startedAt = performance.now();
  // Images go one at a time: only a video keeps several frames in flight for several streams.
  const open = hooks.open ?? ((p: FilePlan) => openRestorer(config.model, log.child('model'), p.kind === 'video' ? { purpose: 'video' } : { streams: 1, purpose: 'image' }));
  const restorer = await open(plan);
  const view = hooks.progress?.(plan.kind === 'video' ? 'frames' : 'images');
  try {
    return await restoreFile(plan, {
      restorer,
      log,
      overwrite: config.output.overwrite,
      encode: config.encode,
      image: config.image,
      temporalFilter: config.model.temporalFilter,
      passThroughBelow: config.model.passThroughBelow,
      ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
      startedAt,
      ...(view === undefined ? {} : { onProgress: (p) => view.update(p) }),
    });
  } finally {
    view?.done();
    await restorer.close();
  }
}
