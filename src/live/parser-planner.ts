import type { ParseReason } from './types.js';
import { lumaSignature, signatureDistance, type LumaSignature } from './scene-cut.js';

/** Settings of {@link ParserPlanner}. */
export interface ParserPlannerOptions {
  /** Run the parser on every N-th processed frame (1 = every frame). */
  readonly interval: number;
  /** Signature distance (0..1) above which a frame counts as a scene cut; 1 or more disables cut detection. */
  readonly sceneCutThreshold: number;
}

/**
 * Decides, frame by frame, whether the parser must run or its last maps and
 * weights can be reused: on the first frame, every `interval` frames after
 * the last parse, and at scene cuts (the previous maps describe another
 * scene).
 *
 * Frames count as they are processed, not as they arrive, so dropped frames
 * do not shorten the reuse period.
 */
export class ParserPlanner {
  readonly #interval: number;
  readonly #cutThreshold: number;
  #sinceParse = 0;
  #previous: LumaSignature | null = null;

  constructor(options: ParserPlannerOptions) {
    if (!Number.isInteger(options.interval) || options.interval < 1) {
      throw new RangeError(`parser interval must be an integer >= 1, got ${options.interval}`);
    }
    this.#interval = options.interval;
    this.#cutThreshold = options.sceneCutThreshold;
  }

  /**
   * Plans one frame.
   *
   * @returns why the parser runs on this frame, or `null` to reuse its outputs.
   */
  next(frame: { readonly data: Uint8Array; readonly width: number; readonly height: number }): ParseReason {
    const detectCuts = this.#cutThreshold < 1;
    const signature = detectCuts ? lumaSignature(frame.data, frame.width, frame.height) : null;
    const previous = this.#previous;
    this.#previous = signature;
    let reason: ParseReason = null;
    if (previous === null && this.#sinceParse === 0) reason = 'first';
    else if (signature !== null && previous !== null && signatureDistance(signature, previous) > this.#cutThreshold) {
      reason = 'scene-cut';
    } else if (this.#sinceParse >= this.#interval) reason = 'interval';
    if (reason === null) {
      this.#sinceParse += 1;
    } else {
      this.#sinceParse = 1;
    }
    return reason;
  }
}
