/**
 * Opening the models from their config sections. Every job (file restore,
 * live serving, degrade, eval) opens them here, so none special-cases a model
 * and the settings reach the runtime through one typed path.
 */
import { synthDir } from '../config/synth-dir.js';
import type { ModelConfig, SynthConfig } from '../config/types.js';
import { F2dError } from '../errors.js';
import type { Logger } from '../log.js';
import { OnnxDegrader } from './onnx-degrader.js';
import { OnnxRestorer } from './onnx-restorer.js';
import { RestorerPool } from './restorer-pool.js';
import type { EnsembleSize } from './ensemble-views.js';
import type { FrameRestorer } from './types.js';
import { WeatherFrames } from './weather-frames.js';

/** What a restorer is opened for: `model.ensemble` `auto` picks the views by it. */
export type RestorerPurpose = 'image' | 'video' | 'live' | 'benchmark';

/**
 * Views per frame under `model.ensemble: auto`. A still image is restored once, so it gets the
 * best (four views: +0.14 dB / +0.012 SSIM for f2d-lite on 30 photos of the independent
 * synthesis); a video file the mirror alone (+0.1 dB at half the speed, not a quarter); a live
 * stream must keep up; the benchmark measures the network alone, as the manifest's metrics do.
 */
const AUTO_ENSEMBLE: Readonly<Record<RestorerPurpose, EnsembleSize>> = { image: 4, video: 2, live: 1, benchmark: 1 };

/** The views per frame that `model.ensemble` gives a restorer opened for `purpose`. */
export function ensembleFor(setting: ModelConfig['ensemble'], purpose: RestorerPurpose): EnsembleSize {
  return setting === 'auto' ? AUTO_ENSEMBLE[purpose] : setting;
}

/**
 * The restorer of `model`: one worker, or a pool of `streams` workers that
 * start on the first frame (`model.streams` unless `use.streams` says otherwise:
 * images and live frames go one at a time, so they use one stream).
 */
export async function openRestorer(model: ModelConfig, log: Logger, use: { streams?: number; purpose: RestorerPurpose }): Promise<FrameRestorer> {
  const streams = use.streams ?? model.streams;
  const ensemble = ensembleFor(model.ensemble, use.purpose);
  log.debug(
    `loading model ${model.dir} on ${model.provider}${streams === 1 ? '' : `, ${streams || 'automatic'} streams`}` +
      `${ensemble === 1 ? '' : `, ${ensemble} views per frame (model.ensemble)`}`,
  );
  const options = {
    modelDir: model.dir,
    provider: model.provider,
    threads: model.threads,
    parserInterval: model.parserInterval,
    tileSize: model.tileSize,
    tileOverlap: model.tileOverlap,
    ensemble,
    onWarning: (w: string) => log.warn(w),
  };
  return streams === 1 ? OnnxRestorer.create(options) : RestorerPool.create({ ...options, streams });
}

/** The weather synthesis of `synth` (`synth.dir`, else the bundled one of `synth.generator`), on the model's provider and threads. */
export function openSynthesis(synth: SynthConfig, model: Pick<ModelConfig, 'provider' | 'threads'>, log: Logger): Promise<OnnxDegrader> {
  const dir = synthDir(synth);
  log.debug(`loading the weather synthesis ${dir} on ${model.provider}`);
  return OnnxDegrader.create({
    modelDir: dir,
    provider: model.provider,
    threads: model.threads,
    onWarning: (w) => log.warn(w),
  });
}

/**
 * The synthesis of one weather as a per-frame transform, the weather name
 * checked against its manifest.
 *
 * @throws {F2dError} ERR_MODEL_SYNTH_CONFIG naming the known configurations; the model load errors
 */
export async function openWeather(synth: SynthConfig, model: Pick<ModelConfig, 'provider' | 'threads'>, weather: string, oneStorm: boolean, log: Logger): Promise<WeatherFrames> {
  const degrader = await openSynthesis(synth, model, log);
  if (!(weather in degrader.configurations)) {
    await degrader.close();
    throw new F2dError(
      'ERR_MODEL_SYNTH_CONFIG',
      'config',
      `unknown weather '${weather}'; known: ${Object.keys(degrader.configurations).join(', ')}`,
      { hint: 'pass --weather with one of the names listed (synth.weather)' },
    );
  }
  return new WeatherFrames(degrader, weather, synth.seed, oneStorm);
}
