/**
 * Types shared by the live half of f2d: sources, the real-time scheduler and
 * the stream fan-out. Pixel data is RGB24 so a {@link LiveFrame} is also a
 * `RgbFrame` (`src/frame.ts`) for the model runtime.
 */
import type { ParseReason } from '../model/parser-schedule.js';

/** One decoded source picture as it enters the live pipeline. */
export interface LiveFrame {
  /** Monotonic number given by the source (restarts are not reset: it keeps counting across reconnects). */
  readonly seq: number;
  readonly width: number;
  readonly height: number;
  /** `width * height * 3` bytes, R,G,B, rows packed. */
  readonly data: Uint8Array;
  /**
   * Wall-clock time (ms since the epoch, sub-millisecond precision) when the frame's
   * packet was read from the source: the start of the glass-to-glass measurement.
   */
  readonly captureMs: number;
  /** Presentation time in seconds from the source, when it has one. */
  readonly ptsSeconds: number | null;
}

/**
 * The parser's degradation maps quantised to 8 bits for the viewer (the
 * model's own float maps are `ParserMaps` in `src/model/types.ts`).
 */
export interface ViewerMaps {
  readonly width: number;
  readonly height: number;
  /** Factor order `FACTORS` (`src/factors.ts`); each plane `width * height` bytes, 0..255. */
  readonly planes: readonly Uint8Array[];
}

/** What the scheduler hands to the encoders for one processed frame. */
export interface ProcessedFrame {
  /** The source frame as it came in (its pixels are intact: the restorer got a copy). */
  readonly source: LiveFrame;
  /** The picture to show as "restored": the restorer's output, or the source itself when passed through. */
  readonly output: { readonly width: number; readonly height: number; readonly data: Uint8Array };
  /** `true` when the restorer was skipped because the parser saw no degradation above the threshold. */
  readonly passThrough: boolean;
  /** Why the parser ran on this frame (`src/model/parser-schedule.ts`), or `null` when its outputs were reused. */
  readonly parse: ParseReason;
  /** Last known parser weights (`low, haze, rain, snow`), or `null` before the first parse. */
  readonly weights: readonly number[] | null;
  /** Maps from the parser when it ran on this frame and the runtime returned them. */
  readonly maps: ViewerMaps | null;
  /** Wall-clock ms when the scheduler started work on the frame. */
  readonly startMs: number;
  /** Milliseconds per stage for this frame (`restore`, `parser`, …). */
  readonly timings: Readonly<Record<string, number>>;
}
