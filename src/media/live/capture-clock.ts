/**
 * Packet timestamps for the live outputs (recorder, publisher) taken from
 * capture times, the wall clock the frames were read at: the only clock every
 * source has (files, cameras and feeds that reconnect included).
 */

/** A time base as a plain pair (the muxer may change the one asked for when it writes its header). */
export interface TimeBase {
  readonly num: number;
  readonly den: number;
}

/**
 * Capture times (wall-clock ms) to packet timestamps in a stream's time base,
 * counted from the output's first frame. Timestamps strictly increase even
 * when two frames share a tick, and each gets a duration (MP4 needs one on
 * every sample; the last one of a segment has no successor): the gap to the
 * previous frame, or 1/25 s for the first.
 *
 * @example
 * const clock = new CaptureClock({ num: 1, den: 1000 }, firstCaptureMs);
 * const { pts, duration } = clock.next(captureMs);
 */
export class CaptureClock {
  readonly #ticksPerMs: number;
  readonly #startMs: number;
  #last = -1n;

  constructor(timeBase: TimeBase, startMs: number) {
    this.#ticksPerMs = timeBase.den / timeBase.num / 1000;
    this.#startMs = startMs;
  }

  /** The timestamp and duration of a frame captured at `captureMs`. */
  next(captureMs: number): { pts: bigint; duration: bigint } {
    let pts = BigInt(Math.round((captureMs - this.#startMs) * this.#ticksPerMs));
    if (pts <= this.#last) pts = this.#last + 1n;
    const duration = this.#last < 0n ? BigInt(Math.max(1, Math.round(40 * this.#ticksPerMs))) : pts - this.#last;
    this.#last = pts;
    return { pts, duration };
  }
}
