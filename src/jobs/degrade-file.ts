/**
 * The weather job behind `f2d degrade`: the file job with the synthesis as
 * its per-frame transform. A video keeps one storm for all its frames; the
 * images of a directory each get their own.
 */
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import { openWeather } from '../model/open.js';
import type { FilePlan, RunSummary } from '../restore/index.js';
import { planFileJob, runFileJob, type FileJobHooks } from './restore-file.js';

/** The config sections a degrade job reads. */
export type DegradeJobConfig = Pick<Config, 'model' | 'synth' | 'encode' | 'image' | 'output'>;

/** Plans it: the default output is named after the weather (`clip-rain.mp4`). */
export function planDegradeJob(input: string, output: string | undefined, weather: string, config: Pick<Config, 'output'>, log: Logger): Promise<FilePlan> {
  return planFileJob(input, output, config, log, weather);
}

/** Runs it; the weather name is checked against the synthesis manifest once the model is open. */
export function runDegradeJob(plan: FilePlan, weather: string, config: DegradeJobConfig, hooks: Omit<FileJobHooks, 'open'>): Promise<RunSummary> {
  return runFileJob(plan, config, {
    ...hooks,
    open: (p) => openWeather(config.synth, config.model, weather, p.kind === 'video', hooks.log.child('synth')),
  });
}
