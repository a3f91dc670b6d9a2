/**
 * The contract between the media/pipeline side and the model runtime.
 *
 * `src/model/` implements {@link FrameRestorer}; everything else (the file
 * restore loop, the live server, tests) codes against these types only, so
 * onnxruntime-node stays inside `src/model/`.
 */

/** One decoded picture: RGB24, rows packed (stride = width * 3), top row first. */
export interface RgbFrame {
  readonly width: number;
  readonly height: number;
  /** `width * height * 3` bytes, R,G,B order. */
  readonly data: Uint8Array;
}

/** Per-call options for {@link FrameRestorer.restore}. */
export interface RestoreOptions {
  /**
   * Force the parser (degradation maps + weights) to run on this frame even if
   * the restorer would otherwise reuse the previous frame's parser outputs.
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
  restore(frame: RgbFrame, options?: RestoreOptions): Promise<RestoreResult>;
  close(): Promise<void>;
}

/** Execution providers the config accepts. */
export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu';

/** How to build a {@link FrameRestorer} (a slice of the typed config). */
export interface RestorerOptions {
  /** Directory holding `manifest.json` and the ONNX files. */
  readonly modelDir: string;
  readonly provider: ExecutionProvider;
  /** Intra-op threads for onnxruntime (0 = onnxruntime's default). */
  readonly threads: number;
  /** Run the parser every N frames and reuse its outputs in between (1 = every frame). */
  readonly parserInterval: number;
}
