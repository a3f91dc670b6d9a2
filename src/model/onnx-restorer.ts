/**
 * {@link OnnxRestorer}: the main-thread face of the model runtime. It owns a
 * worker thread that hosts the parser and restorer sessions
 * (`worker/model-worker.ts`), ships frames there as transferred buffers, and
 * tells it for each frame whether the parser runs (`parser-schedule.ts`).
 */
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { EXECUTION_PROVIDERS } from '../config/schema.js';
import { F2dError } from '../errors.js';
import { ENSEMBLE_SIZES, isEnsembleSize } from './ensemble-views.js';
import { ParserSchedule, parserRequest } from './parser-schedule.js';
import type { ExecutionProvider, FrameRestorer, ParseResult, RestoreOptions, RestoreResult, RestorerOptions } from './types.js';
import type { RgbFrame } from '../frame.js';
import { fromWire, toWire, unexpectedReply, WorkerClient } from './worker-client.js';

/**
 * Internal handle on the worker thread, for lifecycle tests that need to kill
 * it the way a native crash would. Not exported from the package entry.
 */
export const kWorker: unique symbol = Symbol('OnnxRestorer.worker');

/**
 * Restores RGB24 frames with an F2D-Net model in a worker thread.
 *
 * The parser runs when the caller says so (`reparse: true`), never when it
 * says not to (`reparse: false`, unless the size changed), and otherwise as
 * its {@link ParserSchedule} decides: on the first frame, every
 * `parserInterval` frames, on a scene cut (with `sceneCutThreshold`), and
 * whenever the frame size changes; in between the worker reuses its last maps
 * and weights. Frames larger than `tileSize` are restored in overlapping tiles
 * that share the whole-frame parser output.
 *
 * @example
 * const restorer = await OnnxRestorer.create({ modelDir: 'models/f2d-lite', provider: 'cpu', threads: 2, parserInterval: 4 });
 * try {
 *   const { frame, weights } = await restorer.restore({ width, height, data });
 * } finally {
 *   await restorer.close();
 * }
 */
export class OnnxRestorer implements FrameRestorer {
  /** The execution provider the sessions really use (after any fallback). */
  readonly provider: ExecutionProvider;
  /** Warnings from loading, e.g. an execution-provider fallback. */
  readonly warnings: readonly string[];
  readonly modelName: string;
  readonly sizeMultiple: number;
  readonly mapsScale: number;
  private readonly client: WorkerClient;
  /** Decides, for calls that leave it to the restorer, when the parser runs. */
  private readonly schedule: ParserSchedule;

  private constructor(client: WorkerClient, info: { provider: ExecutionProvider; warnings: readonly string[]; name: string; sizeMultiple: number; mapsScale: number }, options: RestorerOptions) {
    this.client = client;
    this.provider = info.provider;
    this.warnings = info.warnings;
    this.modelName = info.name;
    this.sizeMultiple = info.sizeMultiple;
    this.mapsScale = info.mapsScale;
    this.schedule = new ParserSchedule({ interval: options.parserInterval, sceneCutThreshold: options.sceneCutThreshold ?? 0, watchSize: true });
  }

  /** @internal the worker thread (see {@link kWorker}). */
  get [kWorker](): Worker {
    return this.client.worker;
  }

  /**
   * Starts the worker, loads and checks the model, and opens both sessions.
   *
   * @param options - model directory, provider, threads, parser interval, tiling.
   * @returns a ready restorer; call {@link close} when done.
   * @throws {F2dError} ERR_CONFIG_INVALID for bad options; the model errors of
   *   `loadManifest` and `openSession`; ERR_MODEL_WORKER_EXIT if the worker dies while loading.
   */
  static async create(options: RestorerOptions): Promise<OnnxRestorer> {
    validateOptions(options);
    const { client, ready } = await WorkerClient.start(
      {
        kind: 'restorer',
        modelDir: options.modelDir,
        provider: options.provider,
        threads: options.threads,
        tileSize: options.tileSize ?? 0,
        tileOverlap: options.tileOverlap ?? 0,
        ensemble: options.ensemble ?? 1,
        ...(options.allowSpinning !== undefined ? { allowSpinning: options.allowSpinning } : {}),
      },
      `the restorer for ${options.modelDir}`,
    );
    if (ready.model.kind !== 'restorer') {
      await client.close();
      throw new F2dError('ERR_MODEL_INTERNAL', 'internal', `the worker loaded a ${ready.model.kind} model, not a restorer`);
    }
    const restorer = new OnnxRestorer(client, { provider: ready.provider, warnings: ready.warnings, ...ready.model }, options);
    for (const w of ready.warnings) options.onWarning?.(w);
    return restorer;
  }

  /**
   * Restores one frame. `frame.data`'s buffer is transferred to the worker
   * when it is a whole ArrayBuffer (the caller must not use it afterwards;
   * it comes back as `result.input`); otherwise it is copied.
   *
   * @throws {InvalidStateError} ERR_MODEL_CLOSED after {@link close}.
   * @throws {F2dError} ERR_MODEL_FRAME_INVALID (not fatal), ERR_MODEL_RUN, ERR_MODEL_WORKER_EXIT.
   */
  async restore(frame: RgbFrame, options: RestoreOptions = {}): Promise<RestoreResult> {
    this.client.assertOpen('restore');
    // Decide at send time, so back-to-back calls (a pipelined caller) follow the interval too,
    // and before the frame's buffer is transferred away (scene cuts read its pixels).
    const runParser = this.schedule.next(frame, parserRequest(options.reparse)) !== null;
    const t0 = performance.now();
    const { wire, transfer, copied } = toWire(frame);
    const reply = await this.client.request((id) => ({ type: 'restore', id, frame: wire, runParser }), transfer);
    if (reply.type !== 'restored') throw unexpectedReply(reply);
    const inWorker = Object.values(reply.timings).reduce((a, b) => a + b, 0);
    const timings = {
      ...reply.timings,
      transfer: Math.max(0, performance.now() - t0 - inWorker),
      ...(copied > 0 ? { copyIn: copied } : {}),
    };
    return {
      frame: fromWire(reply.frame),
      timings,
      weights: reply.weights,
      ...(reply.gate !== undefined ? { gate: reply.gate } : {}),
      parserRan: reply.parserRan,
      ...(reply.maps !== undefined ? { maps: reply.maps } : {}),
      input: fromWire(reply.input),
    };
  }

  /**
   * Runs the parser alone: degradation maps (planar `[4, h, w]` at
   * 1/mapsScale) and weights (`low, haze, rain, snow`). The result also
   * becomes the parser output reused by the next {@link restore} calls.
   */
  async parse(frame: RgbFrame): Promise<ParseResult & { readonly input: RgbFrame }> {
    this.client.assertOpen('parse');
    this.schedule.parsedOutside(frame);
    const { wire, transfer } = toWire(frame);
    const reply = await this.client.request((id) => ({ type: 'parse', id, frame: wire }), transfer);
    if (reply.type !== 'parsed') throw unexpectedReply(reply);
    return { maps: reply.maps, weights: reply.weights, timings: reply.timings, input: fromWire(reply.input) };
  }

  /**
   * Releases the sessions and stops the worker; idempotent, and safe after
   * the worker died. Requests already sent finish first.
   */
  close(): Promise<void> {
    return this.client.close();
  }

  /** `await using r = await OnnxRestorer.create(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function validateOptions(o: RestorerOptions): void {
  const bad = (key: string, value: unknown, allowed: string): never => {
    throw new F2dError('ERR_CONFIG_INVALID', 'config', `model setting ${key} = ${JSON.stringify(value)} is invalid: ${allowed}`, {
      hint: `set ${key} to ${allowed}`,
    });
  };
  if (!(EXECUTION_PROVIDERS as readonly string[]).includes(o.provider)) bad('provider', o.provider, `one of ${EXECUTION_PROVIDERS.map((p) => `'${p}'`).join(', ')}`);
  if (!Number.isInteger(o.threads) || o.threads < 0) bad('threads', o.threads, 'an integer >= 0 (0 = onnxruntime default)');
  if (!Number.isInteger(o.parserInterval) || o.parserInterval < 1) bad('parserInterval', o.parserInterval, 'an integer >= 1');
  const tile = o.tileSize ?? 0;
  const overlap = o.tileOverlap ?? 0;
  if (!Number.isInteger(tile) || tile < 0) bad('tileSize', tile, 'an integer >= 0 (0 = no tiling)');
  if (!Number.isInteger(overlap) || overlap < 0) bad('tileOverlap', overlap, 'an integer >= 0');
  if (tile > 0 && tile <= 2 * overlap) bad('tileSize', tile, `more than 2 * tileOverlap (${2 * overlap}) plus the model's size multiple`);
  if (!isEnsembleSize(o.ensemble ?? 1)) bad('ensemble', o.ensemble, ENSEMBLE_SIZES.join(', ') + ' (views restored per frame)');
  const cut = o.sceneCutThreshold ?? 0;
  if (!(cut >= 0 && cut <= 100)) bad('sceneCutThreshold', cut, 'a percentage in [0, 100] (0 = off)');
}
