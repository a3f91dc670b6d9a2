/**
 * {@link WeatherFrames}: the weather synthesis as a per-frame transform, so the
 * file loop of `f2d restore` serves `f2d degrade` unchanged.
 */
import type { RgbFrame } from '../frame.js';
import type { OnnxDegrader } from './onnx-degrader.js';
import { mixSeed } from './prng.js';
import type { FrameRestorer, RestoreResult } from './types.js';

/**
 * Frame (or image) i is drawn with seed `seed` for i = 0 and `mixSeed(seed, i)`
 * after; a clip keeps the parameters of `seed` for every frame (one storm,
 * fresh noise per frame), separate images each get their own.
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
