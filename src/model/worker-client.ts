/**
 * The main-thread end of the model worker: request/reply matching, close,
 * and turning a dead worker into errors instead of hangs. Shared by
 * {@link OnnxRestorer} and {@link OnnxDegrader}.
 */
import type { Worker } from 'node:worker_threads';
import { F2dError, InvalidStateError } from '../errors.js';
import { fromWireError, type Reply, type Request, type WireFrame, type WorkerInit } from './protocol.js';
import type { RgbFrame } from '../frame.js';
import { siblingModule, startWorker } from './worker-url.js';

/** How long close() waits for the worker to release its sessions before terminating it. */
const CLOSE_GRACE_MS = 5000;

/** The `ready` reply. */
export type Ready = Extract<Reply, { type: 'ready' }>;

interface Pending {
  readonly resolve: (reply: Reply) => void;
  readonly reject: (err: Error) => void;
}

/** One model worker thread and its outstanding requests. */
export class WorkerClient {
  /** The worker thread, for lifecycle tests that kill it as a crash would. */
  readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly label: string;
  private nextId = 1;
  private closing: Promise<void> | undefined;
  private dead: Error | undefined;

  private constructor(worker: Worker, label: string) {
    this.worker = worker;
    this.label = label;
    worker.on('message', (reply: Reply) => this.onReply(reply));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`the model worker exited with code ${code}`)));
  }

  /**
   * Starts the worker and waits until its engine is loaded.
   *
   * @param label - names the model in error messages.
   * @throws {F2dError} the worker's load error, or ERR_MODEL_WORKER_EXIT.
   */
  static async start(init: WorkerInit, label: string): Promise<{ client: WorkerClient; ready: Ready }> {
    const worker = startWorker(siblingModule(import.meta.url, 'worker/model-worker'), { workerData: init });
    try {
      const ready = await new Promise<Ready>((resolve, reject) => {
        const cleanup = (): void => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        };
        const onMessage = (reply: Reply): void => {
          cleanup();
          if (reply.type === 'ready') resolve(reply);
          else if (reply.type === 'init-error') reject(fromWireError(reply.error));
          else reject(new F2dError('ERR_MODEL_INTERNAL', 'internal', `model worker sent '${reply.type}' before 'ready'`));
        };
        const onError = (err: Error): void => {
          cleanup();
          reject(workerExitError(`while loading ${label}`, err));
        };
        const onExit = (code: number): void => {
          cleanup();
          reject(workerExitError(`while loading ${label}`, new Error(`exit code ${code}`)));
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
      });
      return { client: new WorkerClient(worker, label), ready };
    } catch (err) {
      await worker.terminate();
      throw err;
    }
  }

  /**
   * Throws if the client is closed or its worker died.
   *
   * @throws {InvalidStateError} ERR_MODEL_CLOSED
   * @throws {F2dError} ERR_MODEL_WORKER_EXIT
   */
  assertOpen(what: string): void {
    if (this.closing !== undefined) {
      throw new InvalidStateError('ERR_MODEL_CLOSED', `${what}() called after close() on ${this.label}`, {
        hint: 'create a new one with create(); close() releases the sessions',
      });
    }
    if (this.dead !== undefined) throw workerExitError(`before ${what}()`, this.dead);
  }

  /** Sends a request and resolves with its reply; rejects with the worker's error. */
  request(make: (id: number) => Request, transfer: ArrayBuffer[]): Promise<Reply> {
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

  /** Lets requests already sent finish, releases the sessions, stops the thread; idempotent. */
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
    await this.worker.terminate();
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
    this.dead ??= cause;
    const err = workerExitError(`while running ${this.label}`, cause);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** Frame → wire form: transfers a whole ArrayBuffer, copies a view into a larger or shared one. */
export function toWire(frame: RgbFrame): { wire: WireFrame; transfer: ArrayBuffer[]; copied: number } {
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

/** Wire form → frame (a view on the transferred buffer, no copy). */
export function fromWire(w: WireFrame): RgbFrame {
  return { width: w.width, height: w.height, data: new Uint8Array(w.buffer, w.byteOffset, w.byteLength) };
}

function workerExitError(when: string, cause: Error): F2dError {
  if (cause instanceof F2dError) return cause;
  return new F2dError('ERR_MODEL_WORKER_EXIT', 'model', `the model worker stopped ${when}: ${cause.message}`, {
    hint: 'onnxruntime crashed or ran out of memory; try --threads 1, tiles (--set model.tileSize=512) or --provider cpu, and rerun with --verbose',
    cause,
  });
}

/** A reply of the wrong type for its request: a protocol bug. */
export function unexpectedReply(reply: Reply): F2dError {
  return new F2dError('ERR_MODEL_INTERNAL', 'internal', `unexpected reply '${reply.type}' from the model worker`);
}
