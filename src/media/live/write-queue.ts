/**
 * Writes to one FFmpeg output run one after another: an AVFormatContext is not
 * safe for concurrent use, and the live pipeline hands over access units
 * without waiting for the previous write. The recorder and the publisher share
 * this; the publisher bounds it, so a slow server costs dropped frames rather
 * than memory and latency.
 */

/**
 * A queue of async jobs run in order, at most `limit` of them waiting or
 * running at once.
 *
 * @example
 * const queue = new WriteQueue(8);
 * const job = queue.tryRun(() => ctx.writeFrame(packet)); // null when 8 are pending: drop the frame
 * await queue.idle();
 */
export class WriteQueue {
  readonly #limit: number;
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;

  /** @param limit - most jobs pending at once; `Infinity` for no bound */
  constructor(limit = Infinity) {
    this.#limit = limit;
  }

  /** Jobs waiting or running. */
  get pending(): number {
    return this.#pending;
  }

  /** Runs `job` after the jobs before it (whether they failed or not); resolves or rejects with it. */
  run<T>(job: () => Promise<T>): Promise<T> {
    this.#pending += 1;
    const result = this.#tail.then(job).finally(() => {
      this.#pending -= 1;
    });
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Like {@link run}, or `null` (and `job` is not run) when `limit` jobs are already pending. */
  tryRun<T>(job: () => Promise<T>): Promise<T> | null {
    return this.#pending >= this.#limit ? null : this.run(job);
  }

  /** Resolves once every job queued so far has finished; never rejects. */
  idle(): Promise<void> {
    return this.#tail;
  }
}
