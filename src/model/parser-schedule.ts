/**
 * When the parser runs: the one place that decides.
 *
 * The parser (degradation maps and weights) describes the scene, not the
 * frame, so its outputs are reused between runs. It runs on the first frame,
 * every `interval` frames after its last run, at a scene cut (the previous
 * maps describe another scene), when the frame size changes (the maps no
 * longer fit), and whenever a caller asks for it.
 *
 * Whoever sees the frames in order holds the schedule:
 * - the file path leaves the decision to the restorer (`reparse` absent):
 *   each `OnnxRestorer` keeps a schedule, and a `RestorerPool` gives each of
 *   its streams the interval divided by the stream count
 *   ({@link streamInterval}), since each sees only every n-th frame;
 * - the live path decides in its `FrameProcessor` and tells the restorer
 *   (`reparse: true | false`) for every frame, because frames passed through
 *   unrestored never reach the model, yet a cut among them must still wake
 *   the parser.
 */
import type { RgbFrame } from '../frame.js';
import { SceneCutDetector } from './scene-cut.js';

/** Why the parser runs on a frame, or `null` when its previous outputs are reused. */
export type ParseReason = 'first' | 'interval' | 'scene-cut' | 'size' | 'requested' | null;

/**
 * What a caller asks for one frame: `run` the parser, `reuse` its last outputs (unless
 * there are none for this size), or `auto`: the schedule decides.
 */
export type ParserRequest = 'run' | 'reuse' | 'auto';

/** `RestoreOptions.reparse` read as a request: `true` run, `false` reuse, absent auto. */
export function parserRequest(reparse: boolean | undefined): ParserRequest {
  return reparse === undefined ? 'auto' : reparse ? 'run' : 'reuse';
}

/** Settings of {@link ParserSchedule}. */
export interface ParserScheduleOptions {
  /** Run the parser on every N-th frame (1 = every frame). */
  readonly interval: number;
  /**
   * Also run it when a frame differs from the previous one by more than this
   * mean absolute luma difference, in percent of full scale (FFmpeg scdet's
   * measure); 0 disables scene-cut detection.
   */
  readonly sceneCutThreshold: number;
  /**
   * Run it when the frame size changes (the restorer must: its maps are per size). The live
   * path leaves it off: its frames of a new size go to the model, which parses them anyway.
   */
  readonly watchSize?: boolean;
}

/**
 * Plans the parser frame by frame (see the module doc). Frames count as they
 * are planned, not as they arrive, so frames dropped before planning do not
 * shorten the reuse period.
 */
export class ParserSchedule {
  readonly #interval: number;
  readonly #cuts: SceneCutDetector | null;
  readonly #watchSize: boolean;
  #sinceParse = 0;
  #first = true;
  #size = '';

  constructor(options: ParserScheduleOptions) {
    if (!Number.isInteger(options.interval) || options.interval < 1) {
      throw new RangeError(`parser interval must be an integer >= 1, got ${options.interval}`);
    }
    this.#interval = options.interval;
    this.#cuts = options.sceneCutThreshold > 0 ? new SceneCutDetector(options.sceneCutThreshold) : null;
    this.#watchSize = options.watchSize ?? false;
  }

  /**
   * Plans one frame. Reads its pixels (for scene cuts), so call it before the
   * frame's buffer is transferred away.
   *
   * @returns why the parser runs on this frame, or `null` to reuse its outputs.
   */
  next(frame: RgbFrame, request: ParserRequest = 'auto'): ParseReason {
    const cut = this.#cuts?.update(frame) ?? false;
    const resized = this.#observeSize(frame);
    let reason: ParseReason = null;
    // Without outputs for this size there is nothing to reuse, whatever was asked.
    if (this.#first) reason = 'first';
    else if (resized) reason = 'size';
    else if (request === 'run') reason = 'requested';
    else if (request === 'auto') {
      if (cut) reason = 'scene-cut';
      else if (this.#sinceParse >= this.#interval) reason = 'interval';
    }
    this.#first = false;
    this.#sinceParse = reason === null ? this.#sinceParse + 1 : 1;
    return reason;
  }

  /** The parser just ran on `frame` outside this plan (a parse-only call): count from here. */
  parsedOutside(frame: RgbFrame): void {
    this.#cuts?.update(frame);
    this.#observeSize(frame);
    this.#first = false;
    this.#sinceParse = 0;
  }

  /** Starts over, as for a new stream (after a source reconnects). */
  reset(): void {
    this.#first = true;
    this.#sinceParse = 0;
    this.#size = '';
    this.#cuts?.reset();
  }

  #observeSize(frame: RgbFrame): boolean {
    if (!this.#watchSize) return false;
    const size = `${frame.width}x${frame.height}`;
    const changed = size !== this.#size;
    this.#size = size;
    return changed;
  }
}

/**
 * The interval of each stream of a pool of `streams`: each sees every
 * `streams`-th frame, so the parser still runs about every `interval` frames
 * of the video on each stream.
 */
export function streamInterval(interval: number, streams: number): number {
  return Math.max(1, Math.round(interval / streams));
}
