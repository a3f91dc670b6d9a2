import { degradationLevel } from '../model/scene-cut.js';
import type { FrameRestorer, ParserMaps } from '../model/types.js';
import { nowMs } from '../clock.js';
import { ParserSchedule, type ParserScheduleOptions } from '../model/parser-schedule.js';
import { TransientFilter, weatherToFilter } from '../temporal/transient-filter.js';
import type { LiveFrame, ProcessedFrame, ViewerMaps } from './types.js';

/** Settings of {@link FrameProcessor}. */
export interface FrameProcessorOptions extends Omit<ParserScheduleOptions, 'watchSize'> {
  /**
   * When the parser's largest weight is below this value the scene counts as
   * clean: frames pass through unrestored until the next parse. 0 disables it.
   */
  readonly passThroughBelow: number;
  /** Lower the rain and snow left in still parts from the previous frames (`model.temporalFilter`). */
  readonly temporalFilter?: boolean;
}

/**
 * Turns one live frame into a {@link ProcessedFrame}: plans the parser
 * (interval, scene cut), skips the model while the scene is clean (running the
 * parser alone when it is due, where the restorer offers that), and otherwise
 * calls the restorer.
 *
 * Stateful across frames (the parser plan and the last weights), so one
 * instance serves one stream. Never called concurrently: the scheduler keeps
 * one frame in work.
 */
export class FrameProcessor {
  readonly #restorer: FrameRestorer;
  readonly #schedule: ParserSchedule;
  readonly #passBelow: number;
  #weights: readonly number[] | null = null;
  #passing = false;
  readonly #temporal: TransientFilter | null;

  constructor(restorer: FrameRestorer, options: FrameProcessorOptions) {
    this.#restorer = restorer;
    this.#schedule = new ParserSchedule({ interval: options.interval, sceneCutThreshold: options.sceneCutThreshold });
    this.#passBelow = options.passThroughBelow;
    this.#temporal = options.temporalFilter ? new TransientFilter() : null;
  }

  /** Forgets the scene (after the source reconnects): the next frame is parsed. */
  reset(): void {
    this.#schedule.reset();
    this.#passing = false;
    this.#temporal?.reset();
  }

  /**
   * Processes one frame. The frame's pixels stay intact: the restorer gets a
   * copy, because it may transfer the buffer to its worker thread.
   *
   * @throws whatever the restorer throws (a model error stops the stream).
   */
  async process(frame: LiveFrame): Promise<ProcessedFrame> {
    const startMs = nowMs();
    const parse = this.#schedule.next(frame);
    if (parse === null && this.#passing) {
      return { source: frame, output: frame, passThrough: true, parse, weights: this.#weights, maps: null, startMs, timings: {} };
    }
    // A real copy: Buffer#slice() would share memory, and the restorer may transfer (detach) it.
    const copy = () => ({ width: frame.width, height: frame.height, data: new Uint8Array(frame.data) });
    if (parse !== null && this.#passing && this.#restorer.parse) {
      // Still clear? The parser alone says so, for a fraction of a restoration's time.
      const parsed = await this.#restorer.parse(copy());
      this.#weights = parsed.weights;
      this.#passing = degradationLevel(parsed.weights) < this.#passBelow;
      if (this.#passing) {
        const timings = { ...parsed.timings, restore: nowMs() - startMs };
        return { source: frame, output: frame, passThrough: true, parse, weights: this.#weights, maps: quantiseMaps(parsed.maps), startMs, timings };
      }
      // The weather is back: this frame is restored, below, with the parser run afresh.
    }
    // The decision is made here for every frame: the restorer's own schedule never sees the
    // frames passed through, so it must not decide.
    const result = await this.#restorer.restore(copy(), { reparse: parse !== null });
    const restoreMs = nowMs() - startMs;
    if (result.weights !== undefined) this.#weights = result.weights;
    if (parse !== null) {
      this.#passing = this.#passBelow > 0 && this.#weights !== null && degradationLevel(this.#weights) < this.#passBelow;
    }
    let temporalMs: number | undefined;
    if (this.#passing) this.#temporal?.reset(); // its history holds restored frames only
    else if (this.#temporal) {
      const t0 = nowMs();
      this.#temporal.apply(result.frame, weatherToFilter(this.#weights));
      temporalMs = nowMs() - t0;
    }
    const maps = quantiseMaps(result.maps);
    return {
      source: frame,
      output: this.#passing ? frame : result.frame,
      passThrough: this.#passing,
      parse,
      weights: this.#weights,
      maps,
      startMs,
      timings: { ...result.timings, restore: restoreMs, ...(temporalMs === undefined ? {} : { temporal: temporalMs }) },
    };
  }
}

/**
 * Quantises the parser maps of a restore or parse result (planar float32, 4
 * planes in [0, 1]) to 8-bit planes for the viewer; `null` when the parser did not run.
 */
export function quantiseMaps(maps: ParserMaps | undefined): ViewerMaps | null {
  if (maps === undefined) return null;
  const plane = maps.width * maps.height;
  if (maps.data.length < plane * 4) return null;
  const planes: Uint8Array[] = [];
  for (let c = 0; c < 4; c++) {
    const out = new Uint8Array(plane);
    const base = c * plane;
    for (let i = 0; i < plane; i++) {
      const v = maps.data[base + i] ?? 0;
      out[i] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
    }
    planes.push(out);
  }
  return { width: maps.width, height: maps.height, planes };
}
