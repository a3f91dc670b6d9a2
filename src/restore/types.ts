import type { Logger } from '../log.js';
import type { InputDamage } from '../media/index.js';
import type { FrameRestorer } from '../model/types.js';

/** What the caller supplies to a restore run. */
export interface RestoreRunOptions {
  readonly restorer: FrameRestorer;
  readonly log: Logger;
  /** Replace existing outputs. */
  readonly overwrite: boolean;
  /** H.264 settings for a video (`encode` in the config); `threads` 0 or absent = x264's choice. */
  readonly encode: { readonly crf: number; readonly preset: string; readonly threads?: number };
  readonly image: { readonly jpegQuality: number; readonly webpQuality: number };
  /** Video: `auto` lowers the weather the model left in still parts from the previous frames (`model.temporalFilter`); absent = off. */
  readonly temporalFilter?: 'auto' | 'off';
  /**
   * Video: frames whose largest parser weight is below this are written as they came in, with
   * half-second fades between restored and clear stretches (`model.passThroughBelow`,
   * `clear-scene-fade.ts`); 0 or absent restores every frame.
   */
  readonly passThroughBelow?: number;
  /** Aborting it (Ctrl-C) stops after the frame in flight; the output keeps what was done. */
  readonly signal?: AbortSignal;
  /** Called after each frame or image. */
  readonly onProgress?: (progress: Progress) => void;
  /**
   * When the run began (`performance.now()`), if before this call: the CLI passes the moment it
   * started opening the model, so `seconds` and `startupSec` include loading it whether the
   * restorer loads up front (one stream) or on the first frame (a pool). Default: this call.
   */
  readonly startedAt?: number;
}

export interface Progress {
  readonly done: number;
  /** `null` when the input does not say how many frames it has. */
  readonly total: number | null;
  readonly elapsedSec: number;
}

/** A progress display the caller may hand in (the CLI's bar or lines). */
export interface ProgressSink {
  update(progress: Progress): void;
  done(): void;
}

export type InputKind = 'video' | 'image' | 'image-dir';

/** The result of one run; `--json` prints it. */
export interface RunSummary {
  readonly kind: InputKind;
  readonly input: string;
  readonly output: string;
  /** Frames (or images) restored and written. */
  readonly frames: number;
  /** What the input said it holds, when known. */
  readonly expectedFrames: number | null;
  readonly seconds: number;
  readonly fps: number;
  /**
   * Videos: seconds from the start to the first restored frame reaching the encoder (opening the
   * input and encoder, loading the model, the first inference), and the frame rate after it,
   * the rate a long video runs at. Absent for images.
   */
  readonly startupSec?: number;
  readonly steadyFps?: number;
  /** Milliseconds per stage, summed over the run (`decode`, `restore`, `encode`, `wait`, model stages…). */
  readonly stages: Readonly<Record<string, number>>;
  /** Set when Ctrl-C stopped the run early. */
  readonly interrupted: boolean;
  /** Set when the input was damaged or truncated; the output holds every frame before it. */
  readonly damage: InputDamage | null;
  readonly warnings: readonly string[];
  /** Videos with `passThroughBelow` on: frames written exactly as they came in (clear scenes). */
  readonly clearFrames?: number;
  /** Of those, the frames the restorer never ran on: the parser alone kept them (see `video.ts`). */
  readonly parsedOnlyFrames?: number;
  /** Image directories: what became of each image (`frames` counts those restored in this run). */
  readonly files?: ImageDirFiles;
}

/** What a directory run did with its images. */
export interface ImageDirFiles {
  /** Restored in this run. */
  readonly restored: number;
  /** Their output existed (an earlier run's) and was kept; `--overwrite` restores them again. */
  readonly kept: number;
  /** Could not be restored and were skipped (the run exits 4 then). */
  readonly failed: readonly FileFailure[];
}

/** An image a directory run skipped because it failed, with the error's code and message. */
export interface FileFailure {
  readonly file: string;
  readonly code: string;
  readonly message: string;
}
