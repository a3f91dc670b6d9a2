/**
 * The contract between the media/pipeline side and the model runtime.
 *
 * `src/model/` implements {@link FrameRestorer}; everything else (the file
 * restore loop, the live server, tests) codes against these types only, so
 * onnxruntime-node stays inside `src/model/worker/`. The picture itself,
 * {@link RgbFrame}, is in `src/frame.ts`, below both sides.
 */
import type { EXECUTION_PROVIDERS } from '../config/schema.js';
import type { RgbFrame } from '../frame.js';
import type { EnsembleSize } from './ensemble-views.js';

/** Per-call options for {@link FrameRestorer.restore}. */
export interface RestoreOptions {
  /**
   * Whether the parser (degradation maps + weights) runs on this frame: `true` runs it,
   * `false` reuses the last outputs (unless there are none for this frame size), absent
   * leaves it to the restorer's own schedule (`src/model/parser-schedule.ts`).
   */
  readonly reparse?: boolean;
}

/** What one {@link FrameRestorer.restore} call returns. */
export interface RestoreResult {
  /** The restored frame, same width and height as the input. Owned by the caller. */
  readonly frame: RgbFrame;
  /**
   * Milliseconds spent per stage for this frame (for example `parser`,
   * `restorer`, `transfer`); summed by the callers into per-stage totals.
   */
  readonly timings: Readonly<Record<string, number>>;
  /** Parser weights for `low, haze, rain, snow`, when the parser ran or was reused. */
  readonly weights?: readonly number[];
  /**
   * The gate's mixing weights of the four experts (`low, haze, rain, snow`, summing to 1) the
   * restorer used on this frame, when the model exports them (restorer output `alpha`).
   */
  readonly gate?: readonly number[];
  /** `true` when the parser ran on this frame, `false` when its last outputs were reused. */
  readonly parserRan?: boolean;
  /** The parser's degradation maps, present only when the parser ran on this frame (for overlays). */
  readonly maps?: ParserMaps;
  /** The input frame's buffer, handed back after its trip to the worker (for reuse or side-by-side views). */
  readonly input?: RgbFrame;
}

/**
 * Parser degradation maps, planar `[4, height, width]` float32 in [0,1], factor
 * order `low, haze, rain, snow`, at 1/mapsScale of the frame
 * (`width = ceil(frame.width / mapsScale)`).
 */
export interface ParserMaps {
  readonly width: number;
  readonly height: number;
  /** Size of the frame the maps describe. */
  readonly frameWidth: number;
  readonly frameHeight: number;
  readonly data: Float32Array;
}

/** What {@link FrameRestorer} `parse()` returns. */
export interface ParseResult {
  readonly maps: ParserMaps;
  readonly weights: readonly number[];
  readonly timings: Readonly<Record<string, number>>;
}

/**
 * Restores frames one at a time.
 *
 * Calls may be issued back to back; the implementation serialises them (one
 * frame in flight per session). `restore()` may transfer `frame.data`'s
 * buffer to a worker thread: the caller must not read `frame.data` after the
 * call. `close()` is idempotent; `restore()` after `close()` rejects.
 */
export interface FrameRestorer {
  /**
   * How many `restore()` calls it works on at once (several model streams); a caller that
   * keeps this many frames in flight gets its full throughput. Absent = 1.
   */
  readonly concurrency?: number;
  restore(frame: RgbFrame, options?: RestoreOptions): Promise<RestoreResult>;
  /**
   * Runs the parser alone (a few ms against tens for a restoration), for callers that skip
   * the restorer while the scene is clear. Its maps and weights become the parser output the
   * next {@link restore} calls may reuse. Like `restore()`, it may transfer `frame.data`'s
   * buffer. Absent: the caller restores every frame.
   */
  parse?(frame: RgbFrame): Promise<ParseResult>;
  close(): Promise<void>;
}

/** Execution providers the config accepts (the list is `EXECUTION_PROVIDERS` in the config schema). */
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/** How to build a {@link FrameRestorer} (a slice of the typed config). */
export interface RestorerOptions {
  /** Directory holding `manifest.json` and the ONNX files. */
  readonly modelDir: string;
  readonly provider: ExecutionProvider;
  /** Intra-op threads for onnxruntime (0 = onnxruntime's default). */
  readonly threads: number;
  /** Run the parser every N frames and reuse its outputs in between (1 = every frame). */
  readonly parserInterval: number;
  /**
   * Restore frames larger than this (either side, after padding) in tiles of this size,
   * overlap included; 0 = never tile. The parser still sees the whole frame.
   */
  readonly tileSize?: number;
  /** Pixels of context discarded at each inner tile edge (vs-mlrt style, no blending). */
  readonly tileOverlap?: number;
  /**
   * Restore each frame as the mean of this many views (`ensemble-views.ts`: the frame, mirrored,
   * and both moved by half a block): 1 (default), 2 or 4, at that many times the cost.
   */
  readonly ensemble?: EnsembleSize;
  /**
   * Also run the parser when a frame differs from the previous one by more than this
   * mean absolute difference, in percent of full scale (FFmpeg scdet's measure; 10 is
   * its default). 0 or absent = only `parserInterval`, `reparse` and size changes.
   */
  readonly sceneCutThreshold?: number;
  /**
   * Let onnxruntime's idle threads spin-wait between runs (default `false`: spinning
   * threads steal the cores decode, encode and the other sessions need; see session.ts).
   */
  readonly allowSpinning?: boolean;
  /** Called with warnings such as an execution-provider fallback to CPU. */
  readonly onWarning?: (message: string) => void;
}
