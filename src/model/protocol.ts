/**
 * Messages between the main thread ({@link OnnxRestorer}, {@link OnnxDegrader}, {@link OnnxVelocityProbe}) and the
 * model worker (`worker/model-worker.ts`), and the settings the worker starts with.
 * The worker's code imports this file; the main thread's never imports the worker's.
 * Frame pixels travel as transferred ArrayBuffers, never as copies.
 */
import { F2dError, type ErrorCategory, type ErrorCode } from '../errors.js';
import type { EnsembleSize } from './ensemble-views.js';
import type { ExecutionProvider, ParserMaps } from './types.js';

/** Settings of the worker's F2D-Net engine (parser and restorer graphs) (`worker/f2dnet-engine.ts`). */
export interface F2dNetEngineOptions {
  readonly modelDir: string;
  readonly provider: ExecutionProvider;
  readonly threads: number;
  readonly tileSize: number;
  readonly tileOverlap: number;
  /** Views of the test-time self-ensemble (`ensemble-views.ts`); absent = 1, the frame alone. */
  readonly ensemble?: EnsembleSize;
  /** Let idle onnxruntime threads spin-wait (see `worker/session.ts`, `SessionSettings.allowSpinning`). */
  readonly allowSpinning?: boolean;
}

/** Settings of the worker's synthesis engine (`worker/synth-engine.ts`). */
export interface SynthEngineOptions {
  readonly modelDir: string;
  readonly provider: ExecutionProvider;
  readonly threads: number;
}

/** Settings of the worker's velocity-probe engine (`worker/velocity-engine.ts`, `f2d eval --diagnostics`). */
export interface VelocityEngineOptions {
  readonly modelDir: string;
  readonly provider: ExecutionProvider;
  readonly threads: number;
}

/** One transport step of a velocity probe: f and μ − x_k planar `[3, height, width]` (the frame's size), and the gate. */
export interface VelocityStep {
  readonly k: number;
  readonly velocity: Float32Array;
  readonly target: Float32Array;
  readonly alpha: readonly number[];
}

/** A frame as it crosses the thread boundary. */
export interface WireFrame {
  readonly width: number;
  readonly height: number;
  readonly buffer: ArrayBuffer;
  readonly byteOffset: number;
  /** Bytes of pixels; checked against `width * height * 3` by the engine, not trusted. */
  readonly byteLength: number;
}

/** Main thread → worker. */
export type Request =
  | { readonly type: 'restore'; readonly id: number; readonly frame: WireFrame; readonly runParser: boolean }
  | { readonly type: 'parse'; readonly id: number; readonly frame: WireFrame }
  | {
      readonly type: 'degrade';
      readonly id: number;
      readonly frame: WireFrame;
      readonly flags: readonly number[];
      readonly params: Float32Array | undefined;
      readonly paramsSeed: number | undefined;
      readonly noise: Float32Array | undefined;
      readonly seed: number;
    }
  | {
      /** The velocity probe on one degraded frame (`frame`) and its clean original, at each step of `ks` with noise seeded by `seeds`. */
      readonly type: 'velocity';
      readonly id: number;
      readonly frame: WireFrame;
      readonly clean: WireFrame;
      readonly ks: readonly number[];
      readonly seeds: readonly number[];
    }
  | { readonly type: 'close'; readonly id: number };

/** An error flattened for postMessage (class identity does not survive structured clone). */
export interface WireError {
  readonly code: ErrorCode;
  readonly category: ErrorCategory;
  readonly message: string;
  readonly hint: string | undefined;
  readonly fatal: boolean;
  readonly stack: string | undefined;
}

/** Worker → main thread. */
export type Reply =
  | {
      readonly type: 'ready';
      readonly provider: ExecutionProvider;
      readonly warnings: readonly string[];
      readonly model: ReadyModel;
    }
  | { readonly type: 'init-error'; readonly error: WireError }
  | {
      readonly type: 'restored';
      readonly id: number;
      readonly frame: WireFrame;
      readonly input: WireFrame;
      readonly parserRan: boolean;
      readonly maps: ParserMaps | undefined;
      readonly weights: readonly number[];
      readonly gate: readonly number[] | undefined;
      readonly timings: Record<string, number>;
    }
  | {
      readonly type: 'parsed';
      readonly id: number;
      readonly input: WireFrame;
      readonly maps: ParserMaps;
      readonly weights: readonly number[];
      readonly timings: Record<string, number>;
    }
  | {
      readonly type: 'degraded';
      readonly id: number;
      readonly frame: WireFrame;
      readonly input: WireFrame;
      readonly timings: Record<string, number>;
    }
  | {
      readonly type: 'velocity';
      readonly id: number;
      readonly input: WireFrame;
      readonly steps: readonly VelocityStep[];
      readonly timings: Record<string, number>;
    }
  | { readonly type: 'error'; readonly id: number; readonly error: WireError; readonly input: WireFrame | undefined }
  | { readonly type: 'closed'; readonly id: number };

/** What the worker loaded, as the main thread needs to know it. */
export type ReadyModel =
  | { readonly kind: 'restorer'; readonly name: string; readonly sizeMultiple: number; readonly mapsScale: number }
  | {
      readonly kind: 'synth';
      readonly name: string;
      readonly configurations: Readonly<Record<string, readonly number[]>>;
      readonly tiers: Readonly<Record<string, readonly string[]>>;
    }
  | { readonly kind: 'velocity'; readonly name: string; readonly kGrid: readonly number[]; readonly steps: number; readonly sigmasScale: number };

/** `workerData` of the model worker: which engine to host and its settings. */
export type WorkerInit =
  | ({ readonly kind: 'restorer' } & F2dNetEngineOptions)
  | ({ readonly kind: 'synth' } & SynthEngineOptions)
  | ({ readonly kind: 'velocity' } & VelocityEngineOptions);

/** Flattens any thrown value into a {@link WireError}. */
export function toWireError(err: unknown): WireError {
  if (err instanceof F2dError) {
    return { code: err.code, category: err.category, message: err.message, hint: err.hint, fatal: err.fatal, stack: err.stack };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    code: 'ERR_MODEL_INTERNAL',
    category: 'internal',
    message: `model worker: ${e.message}`,
    hint: 'this is a bug in f2d-stream; please report it with --verbose output',
    fatal: true,
    stack: e.stack,
  };
}

/** Rebuilds an {@link F2dError} from a {@link WireError}. */
export function fromWireError(w: WireError): F2dError {
  const err = new F2dError(w.code, w.category, w.message, { hint: w.hint, fatal: w.fatal });
  if (w.stack !== undefined) err.stack = w.stack;
  return err;
}
