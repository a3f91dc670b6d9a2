import type { RgbFrame } from '../model/types.js';
import { SceneCutDetector } from '../model/scene-cut.js';
import type { ParseReason } from './types.js';

/** Settings of {@link ParserPlanner}. */
export interface ParserPlannerOptions {
  /** Run the parser on every N-th processed frame (1 = every frame). */
  readonly interval: number;
  /**
   * Also run it when a frame differs from the previous processed one by more than
   * this mean absolute luma difference, in percent of full scale (FFmpeg scdet's
   * measure); 0 disables scene-cut detection.
   */
  readonly sceneCutThreshold: number;
}

/**
 * Decides, frame by frame, whether the parser must run or its last maps and
 * weights can be reused: on the first frame, every `interval` frames after
 * the last parse, and at scene cuts (the previous maps describe another
 * scene).
 *
 * Frames count as they are processed, not as they arrive, so dropped frames
 * do not shorten the reuse period. Lives on the live side (not inside the
 * restorer) because frames passed through unrestored never reach the model,
 * yet a cut among them must still wake the parser.
 */
export class ParserPlanner {
  readonly #interval: number;
  readonly #cuts: SceneCutDetector | null;
  #sinceParse = 0;
  #first = true;

  constructor(options: ParserPlannerOptions) {
    if (!Number.isInteger(options.interval) || options.interval < 1) {
      throw new RangeError(`parser interval must be an integer >= 1, got ${options.interval}`);
    }
    this.#interval = options.interval;
    this.#cuts = options.sceneCutThreshold > 0 ? new SceneCutDetector(options.sceneCutThreshold) : null;
  }

  /**
   * Plans one frame.
   *
   * @returns why the parser runs on this frame, or `null` to reuse its outputs.
   */
  next(frame: RgbFrame): ParseReason {
    const cut = this.#cuts?.update(frame) ?? false;
    let reason: ParseReason = null;
    if (this.#first) reason = 'first';
    else if (cut) reason = 'scene-cut';
    else if (this.#sinceParse >= this.#interval) reason = 'interval';
    this.#first = false;
    this.#sinceParse = reason === null ? this.#sinceParse + 1 : 1;
    return reason;
  }

  /** Starts over, as for a new stream (after a source reconnects). */
  reset(): void {
    this.#first = true;
    this.#sinceParse = 0;
    this.#cuts?.reset();
  }
}
