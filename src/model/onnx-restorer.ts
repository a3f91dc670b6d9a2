/**
 * {@link OnnxRestorer}: the main-thread face of the model runtime. It owns a
 * worker thread that hosts the parser and restorer sessions, ships frames
 * there as transferred buffers, and decides when the parser runs.
 */
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { F2dError, InvalidStateError } from '../errors.js';
import { fromWireError, type Reply, type Request, type WireFrame, type WorkerInit } from './protocol.js';
import type {
  ExecutionProvider,
  FrameRestorer,
  ParseResult,
  RestoreOptions,
  RestoreResult,
  RestorerOptions,
  RgbFrame,
} from './types.js';
import { SceneCutDetector } from './scene-cut.js';
import { siblingModule, startWorker } from './worker-url.js';

interface Pending {
  readonly resolve: (reply: Reply) => void;
  readonly reject: (err: Error) => void;
}

/**
 * Internal handle on the worker thread, for lifecycle tests that need to kill
 * it the way a native crash would. Not exported from the package entry.
 */
export const kWorker: unique symbol = Symbol('OnnxRestorer.worker');

/** How long close() waits for the worker to release its sessions before terminating it. */
const CLOSE_GRACE_MS = 5000;

/**
 * Restores RGB24 frames with an F2D-Net model in a worker thread.
 *
 * The parser runs on the first frame, every `parserInterval` frames, when
 * `reparse` is set, and whenever the frame size changes; in between the
 * worker reuses its last maps and weights. Frames larger than `tileSize`
 * are restored in overlapping tiles that share the whole-frame parser output.
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
  private readonly worker: Worker;
  private readonly pending: Map<number, Pending>;
  private readonly parserInterval: number;
  private readonly sceneCuts: SceneCutDetector | undefined;
  private nextId = 1;
  private framesSinceParse = Number.POSITIVE_INFINITY;
  private lastSize = '';
  private closing: Promise<void> | undefined;
  private dead: Error | undefined;

  private constructor(worker: Worker, pending: Map<number, Pending>, ready: Extract<Reply, { type: 'ready' }>, options: RestorerOptions) {
    this.worker = worker;
    this.pending = pending;
    this.provider = ready.provider;
    this.warnings = ready.warnings;
    this.modelName = ready.modelName;
    this.sizeMultiple = ready.sizeMultiple;
    this.mapsScale = ready.mapsScale;
    this.parserInterval = options.parserInterval;
    const threshold = options.sceneCutThreshold ?? 0;
    this.sceneCuts = threshold > 0 ? new SceneCutDetector(threshold) : undefined;
    worker.on('message', (reply: Reply) => this.onReply(reply));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`the model worker exited with code ${code}`)));
  }

  /** @internal the worker thread (see {@link kWorker}). */
  get [kWorker](): Worker {
    return this.worker;
  }

  /**
   * Starts the worker, loads and checks the model, and opens both sessions.
   *
   * @param options - model directory, provider, threads, parser interval, tiling.
   * @returns a ready restorer; call {@link close} when done.
   * @throws {F2dError} ERR_CONFIG_INVALID for bad options; the model errors of
   *   {@link loadManifest} and {@link openSession}; ERR_MODEL_WORKER_EXIT if the worker dies while loading.
   */
  static async create(options: RestorerOptions): Promise<OnnxRestorer> {
    validateOptions(options);
    const init: WorkerInit = {
      modelDir: options.modelDir,
      provider: options.provider,
      threads: options.threads,
      tileSize: options.tileSize ?? 0,
      tileOverlap: options.tileOverlap ?? 0,
    };
    const worker = startWorker(siblingModule(import.meta.url, 'restore-worker'), { workerData: init });
    const ready = await new Promise<Extract<Reply, { type: 'ready' }>>((resolve, reject) => {
      const onMessage = (reply: Reply): void => {
        cleanup();
        if (reply.type === 'ready') resolve(reply);
        else if (reply.type === 'init-error') reject(fromWireError(reply.error));
        else reject(new F2dError('ERR_MODEL_INTERNAL', 'internal', `model worker sent '${reply.type}' before 'ready'`));
      };
      const onError = (err: Error): void => {
        cleanup();
        reject(workerExitError('while loading the model', err));
      };
      const onExit = (code: number): void => {
        cleanup();
        reject(workerExitError('while loading the model', new Error(`exit code ${code}`)));
      };
      const cleanup = (): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    });
    const restorer = new OnnxRestorer(worker, new Map(), ready, options);
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
    this.assertOpen('restore');
    const size = `${frame.width}x${frame.height}`;
    // Read the frame for scene cuts before its buffer is transferred away.
    const cut = this.sceneCuts?.update(frame) ?? false;
    const runParser =
      cut || options.reparse === true || size !== this.lastSize || this.framesSinceParse >= this.parserInterval;
    const t0 = performance.now();
    const { wire, transfer, copied } = toWire(frame);
    const reply = await this.request(
      (id) => ({ type: 'restore', id, frame: wire, runParser }),
      transfer,
    );
    if (reply.type !== 'restored') throw unexpected(reply);
    this.lastSize = size;
    this.framesSinceParse = reply.parserRan ? 1 : this.framesSinceParse + 1;
    const worker = Object.values(reply.timings).reduce((a, b) => a + b, 0);
    const timings = { ...reply.timings, transfer: Math.max(0, performance.now() - t0 - worker), ...(copied ? { copyIn: copied } : {}) };
    return {
      frame: fromWire(reply.frame),
      timings,
      weights: reply.weights,
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
    this.assertOpen('parse');
    this.sceneCuts?.update(frame);
    const { wire, transfer } = toWire(frame);
    const reply = await this.request((id) => ({ type: 'parse', id, frame: wire }), transfer);
    if (reply.type !== 'parsed') throw unexpected(reply);
    this.lastSize = `${frame.width}x${frame.height}`;
    this.framesSinceParse = 0;
    return { maps: reply.maps, weights: reply.weights, timings: reply.timings, input: fromWire(reply.input) };
  }

  /**
   * Releases the sessions and stops the worker; idempotent, and safe after
   * the worker died. Requests already sent finish first.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.dead === undefined) {
      const closed = this.request((id) => ({ type: 'close', id }), []).then(
        () => undefined,
        () => undefined,
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((r) => (timer = setTimeout(r, CLOSE_GRACE_MS)))]);
      clearTimeout(timer);
    }
    this.dead ??= new InvalidStateError('ERR_MODEL_CLOSED', 'the restorer is closed');
    await this.worker.terminate();
  }

  private assertOpen(what: string): void {
    if (this.closing !== undefined) {
      throw new InvalidStateError('ERR_MODEL_CLOSED', `${what}() called after close() on the restorer for model ${this.modelName}`, {
        hint: 'create a new restorer with OnnxRestorer.create()',
      });
    }
    if (this.dead !== undefined) {
      throw workerExitError(`before ${what}()`, this.dead);
    }
  }

  private request(make: (id: number) => Request, transfer: ArrayBuffer[]): Promise<Reply> {
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      if (this.dead !== undefined) {
        reject(workerExitError('before the request was sent', this.dead));
        return;
      }
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(make(id), transfer);
    });
  }

  private onReply(reply: Reply): void {
    if (reply.type === 'ready' || reply.type === 'init-error') return;
    const p = this.pending.get(reply.id);
    if (p === undefined) return;
    this.pending.delete(reply.id);
    if (reply.type === 'error') p.reject(fromWireError(reply.error));
    else p.resolve(reply);
  }

  /** The worker died (crash, exit, terminate): fail everything in flight, refuse new work. */
  private fail(cause: Error): void {
    if (this.dead === undefined) this.dead = cause;
    const err = workerExitError('while restoring', cause);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

function validateOptions(o: RestorerOptions): void {
  const bad = (key: string, value: unknown, allowed: string): never => {
    throw new F2dError('ERR_CONFIG_INVALID', 'config', `model setting ${key} = ${JSON.stringify(value)} is invalid: ${allowed}`, {
      hint: `set ${key} to ${allowed}`,
    });
  };
  if (!['cpu', 'cuda', 'webgpu'].includes(o.provider)) bad('provider', o.provider, "one of 'cpu', 'cuda', 'webgpu'");
  if (!Number.isInteger(o.threads) || o.threads < 0) bad('threads', o.threads, 'an integer >= 0 (0 = onnxruntime default)');
  if (!Number.isInteger(o.parserInterval) || o.parserInterval < 1) bad('parserInterval', o.parserInterval, 'an integer >= 1');
  const tile = o.tileSize ?? 0;
  const overlap = o.tileOverlap ?? 0;
  if (!Number.isInteger(tile) || tile < 0) bad('tileSize', tile, 'an integer >= 0 (0 = no tiling)');
  if (!Number.isInteger(overlap) || overlap < 0) bad('tileOverlap', overlap, 'an integer >= 0');
  if (tile > 0 && tile <= 2 * overlap) bad('tileSize', tile, `more than 2 * tileOverlap (${2 * overlap}) plus the model's size multiple`);
  const cut = o.sceneCutThreshold ?? 0;
  if (!(cut >= 0 && cut <= 100)) bad('sceneCutThreshold', cut, 'a percentage in [0, 100] (0 = off)');
}

function toWire(frame: RgbFrame): { wire: WireFrame; transfer: ArrayBuffer[]; copied: number } {
  const { data, width, height } = frame;
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
  if (whole) {
    return { wire: { width, height, buffer: data.buffer, byteOffset: 0, byteLength: data.byteLength }, transfer: [data.buffer], copied: 0 };
  }
  // A view into a larger or shared buffer (Node's Buffer pool, a native frame): copy just the pixels.
  const t0 = performance.now();
  const copy = data.slice();
  return {
    wire: { width, height, buffer: copy.buffer, byteOffset: 0, byteLength: copy.byteLength },
    transfer: [copy.buffer],
    copied: performance.now() - t0,
  };
}

function fromWire(w: WireFrame): RgbFrame {
  return { width: w.width, height: w.height, data: new Uint8Array(w.buffer, w.byteOffset, w.byteLength) };
}

function workerExitError(when: string, cause: Error): F2dError {
  if (cause instanceof F2dError) return cause;
  return new F2dError('ERR_MODEL_WORKER_EXIT', 'model', `the model worker stopped ${when}: ${cause.message}`, {
    hint: 'onnxruntime crashed or ran out of memory; try --threads 1, a smaller tileSize, or the cpu provider, and rerun with --verbose',
    cause,
  });
}

function unexpected(reply: Reply): F2dError {
  return new F2dError('ERR_MODEL_INTERNAL', 'internal', `unexpected reply '${reply.type}' from the model worker`);
}
