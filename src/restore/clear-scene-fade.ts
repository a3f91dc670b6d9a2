/**
 * Keeps the clear stretches of a video as they were.
 *
 * The model is not the identity on a clear frame: f2d-lite gives 30.7 dB against the clean
 * picture, with its contrast lifted by about 1.4 levels (scripts/README.md). A drive where the
 * weather comes and goes would have its clear stretches re-toned, and the clean sample street
 * came out flickering more than it went in. Live streams already pass clear scenes through
 * (`serve.passThroughBelow`); a file gets the same decision, faded over {@link FADE_FRAMES}
 * frames each way so the switch never shows as a jump in brightness.
 */
import type { RgbFrame } from '../frame.js';
import { degradationLevel } from '../model/scene-cut.js';

/** Frames a switch between restored and passed-through takes: half a second at 25 fps. */
export const FADE_FRAMES = 12;

/**
 * Per frame, the share of the restoration in the output (1 restored, 0 the input as it was).
 *
 * A scene turns clear when the parser's largest weight falls below `below`, and stops being
 * clear only when it rises to twice that: a weight hovering at the threshold must not make
 * the picture pump.
 */
export class ClearSceneFade {
  readonly #below: number;
  readonly #fadeFrames: number;
  #clear = false;
  #share: number | null = null;
  #keptFrames = 0;

  constructor(below: number, fadeFrames = FADE_FRAMES) {
    if (!(below > 0 && below <= 1)) throw new RangeError(`passThroughBelow must be in (0, 1], got ${below}`);
    if (!(Number.isInteger(fadeFrames) && fadeFrames >= 1)) throw new RangeError(`fadeFrames must be a positive integer, got ${fadeFrames}`);
    this.#below = below;
    this.#fadeFrames = fadeFrames;
  }

  /** Whether the scene counts as clear now (the output is on its way to the input, or there). */
  get clear(): boolean {
    return this.#clear;
  }

  /**
   * Whether the last frame was output exactly as it came in and the scene still counts as
   * clear: the next frame needs the parser's verdict, and a restoration only if that verdict
   * turns the scene to weather.
   */
  get keeping(): boolean {
    return this.#clear && this.#share === 0;
  }

  /** Frames output exactly as they came in. */
  get keptFrames(): number {
    return this.#keptFrames;
  }

  /**
   * Takes the next frame's parser weights (absent when the parser did not report: the last
   * decision stands) and returns the restoration's share for that frame.
   */
  next(weights: readonly number[] | undefined): number {
    if (weights !== undefined) {
      const level = degradationLevel(weights);
      this.#clear = this.#clear ? level < 2 * this.#below : level < this.#below;
    }
    const target = this.#clear ? 0 : 1;
    // The first frame starts where it belongs: a clip that opens clear is never faded into.
    if (this.#share === null) this.#share = target;
    const step = 1 / this.#fadeFrames;
    this.#share = target > this.#share ? Math.min(target, this.#share + step) : Math.max(target, this.#share - step);
    if (this.#share === 0) this.#keptFrames++;
    return this.#share;
  }
}

/** `restored ← input + share · (restored − input)`, in place, rounded to 8 bits. */
export function blendInto(restored: RgbFrame, input: RgbFrame, share: number): void {
  if (restored.width !== input.width || restored.height !== input.height) {
    throw new RangeError(`blendInto: restored ${restored.width}x${restored.height} against input ${input.width}x${input.height}`);
  }
  const out = restored.data;
  const src = input.data;
  if (share >= 1) return;
  if (share <= 0) {
    out.set(src);
    return;
  }
  for (let i = 0; i < out.length; i++) {
    const a = src[i]!;
    out[i] = Math.round(a + share * (out[i]! - a));
  }
}
