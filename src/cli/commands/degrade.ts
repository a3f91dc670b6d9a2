/**
 * `f2d degrade <input> --weather <name> [-o <output>] [--seed <n>]`: synthetic
 * weather from `models/synth` on a video, an image or a directory of images,
 * through the same file loop as `f2d restore`.
 */
import { stat } from 'node:fs/promises';
import type { Config } from '../../config/types.js';
import { F2dError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { OnnxDegrader } from '../../model/onnx-degrader.js';
import { mixSeed } from '../../model/prng.js';
import type { FrameRestorer, RestoreResult, RgbFrame } from '../../model/types.js';
import { inputKind, type RunSummary } from '../../restore/index.js';
import { defaultOutput, runRestore, type CommandContext } from './restore.js';

/**
 * The synthesis as a {@link FrameRestorer}, so the video/image loop of `f2d restore`
 * serves `f2d degrade` unchanged. Frame (or image) i is drawn with seed
 * `seed` for i = 0 and `mixSeed(seed, i)` after; a clip keeps the parameters of
 * `seed` for every frame (one storm, fresh noise per frame), separate images
 * each get their own.
 */
export class WeatherFrames implements FrameRestorer {
  private index = 0;

  /**
   * @param degrader the synthesis; closed with this object
   * @param oneStorm `true` for a video: the parameters stay those of `seed` for every frame
   */
  constructor(
    private readonly degrader: Pick<OnnxDegrader, 'degrade' | 'close'>,
    readonly weather: string,
    readonly seed: number,
    readonly oneStorm: boolean,
  ) {}

  /** The noise seed of frame `i`. */
  static frameSeed(seed: number, i: number): number {
    return i === 0 ? seed : mixSeed(seed, i);
  }

  async restore(frame: RgbFrame): Promise<RestoreResult> {
    const seed = WeatherFrames.frameSeed(this.seed, this.index++);
    const r = await this.degrader.degrade(frame, {
      configuration: this.weather,
      seed,
      paramsSeed: this.oneStorm ? this.seed : seed,
    });
    return { frame: r.frame, timings: r.timings, input: r.input };
  }

  close(): Promise<void> {
    return this.degrader.close();
  }
}

/**
 * Opens the synthesis from the config and checks the weather name against its manifest.
 *
 * @throws {F2dError} ERR_MODEL_SYNTH_CONFIG naming the known configurations; the model load errors
 */
export async function openWeather(config: Config, weather: string, oneStorm: boolean, log: Logger): Promise<WeatherFrames> {
  log.debug(`loading the weather synthesis ${config.synth.dir} on ${config.model.provider}`);
  const degrader = await OnnxDegrader.create({
    modelDir: config.synth.dir,
    provider: config.model.provider,
    threads: config.model.threads,
    onWarning: (w) => log.warn(w),
  });
  if (!(weather in degrader.configurations)) {
    await degrader.close();
    throw new F2dError(
      'ERR_MODEL_SYNTH_CONFIG',
      'config',
      `unknown weather '${weather}'; known: ${Object.keys(degrader.configurations).join(', ')}`,
      { hint: 'pass --weather with one of the names listed (synth.weather)' },
    );
  }
  return new WeatherFrames(degrader, weather, config.synth.seed, oneStorm);
}

/** `f2d degrade` argument handling. */
export async function degradeCommand(positionals: readonly string[], output: string | undefined, ctx: CommandContext): Promise<RunSummary> {
  const [input, ...extra] = positionals;
  if (input === undefined || extra.length > 0) {
    throw new F2dError(
      'ERR_CONFIG_USAGE',
      'config',
      input === undefined ? 'f2d degrade needs an input' : `f2d degrade takes one input, got also ${extra.join(' ')}`,
      { hint: 'usage: f2d degrade <input> --weather <name> [-o <output>] [--seed <n>]' },
    );
  }
  const weather = ctx.config.synth.weather;
  if (weather === null) {
    throw new F2dError('ERR_CONFIG_USAGE', 'config', 'f2d degrade needs --weather <name> (synth.weather)', {
      hint: 'e.g. --weather rain or --weather low_haze_snow; the 11 names are in models/synth/manifest.json',
    });
  }
  const isDir = (await stat(input).catch(() => null))?.isDirectory() ?? false;
  // preflight inside runRestore reports a missing input; this only decides one storm vs one per image.
  const oneStorm = isDir ? false : await inputKind(input).then((k) => k === 'video', () => false);
  const target = output ?? defaultOutput(input, isDir, weather);
  return runRestore(input, target, ctx, () => openWeather(ctx.config, weather, oneStorm, ctx.log.child('synth')));
}
