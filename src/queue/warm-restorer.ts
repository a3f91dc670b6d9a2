/**
 * The worker's one model, lent to each job. The model loads once per worker
 * (seconds) and stays warm across jobs; a job's `close()` only ends its loan.
 *
 * Each file is a new scene: the first frames of a job (one per model stream)
 * ask for the parser (`reparse: true`) instead of reusing the maps the previous
 * file left in the restorer, as a fresh `f2d restore` would run it on its
 * first frame. After them the restorer's own schedule decides, as in `f2d restore`.
 */
import type { FrameRestorer, RestoreOptions, RestoreResult } from '../model/types.js';
import type { RgbFrame } from '../frame.js';

/** A loan of `shared` for one file: `close()` leaves the model open. */
export function lendRestorer(shared: FrameRestorer): FrameRestorer {
  let fresh = shared.concurrency ?? 1;
  return {
    ...(shared.concurrency === undefined ? {} : { concurrency: shared.concurrency }),
    restore(frame: RgbFrame, options?: RestoreOptions): Promise<RestoreResult> {
      if (fresh > 0 && options?.reparse === undefined) {
        fresh--;
        return shared.restore(frame, { ...options, reparse: true });
      }
      return shared.restore(frame, options);
    },
    close: () => Promise.resolve(),
  };
}
