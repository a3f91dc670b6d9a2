/**
 * {@link OnnxVelocityProbe}: the main-thread face of the velocity probe
 * (`velocity.onnx`, docs/f2dnet-method.md §5) for `f2d eval --diagnostics`,
 * and {@link velocityGraphStatus}, which says without starting anything
 * whether a model folder has the graph, and if not, why.
 */
import type { Worker } from 'node:worker_threads';
import { F2dError } from '../errors.js';
import type { RgbFrame } from '../frame.js';
import { loadManifest } from './manifest.js';
import type { VelocityStep } from './protocol.js';
import type { ExecutionProvider } from './types.js';
import { toWire, unexpectedReply, WorkerClient } from './worker-client.js';

/** How to build an {@link OnnxVelocityProbe}. */
export interface VelocityProbeOptions {
  /** The model folder; its manifest must list `files.velocity`. */
  readonly modelDir: string;
  readonly provider: ExecutionProvider;
  /** Intra-op threads (0 = onnxruntime's default). */
  readonly threads: number;
  readonly onWarning?: (message: string) => void;
}

/** Whether a model folder can run the probe: its grid and noise strength, or why not. */
export type VelocityGraphStatus =
  | { readonly available: true; readonly kGrid: readonly number[]; readonly steps: number; readonly sigmasScale: number }
  | { readonly available: false; readonly reason: string };

/**
 * Reads the model's manifest (checking the hashes of parser and restorer as
 * every load does) and says whether it lists a velocity graph. Models exported
 * before the probe have none, nor do the int8 ones (the probe measures the
 * float network; their reason names the float model they came from).
 *
 * @throws {F2dError} the errors of `loadManifest` (no model there, a bad manifest)
 */
export async function velocityGraphStatus(modelDir: string): Promise<VelocityGraphStatus> {
  const { manifest: m } = await loadManifest(modelDir);
  if (m.files.velocity !== undefined && m.velocity !== undefined) {
    return { available: true, kGrid: m.velocity.kGrid, steps: m.velocity.steps, sigmasScale: m.velocity.sigmasScale };
  }
  const from = m.quantization?.from.model;
  const why =
    from === undefined
      ? 'it was exported before the probe existed: re-export it with python3 -m f2dnet.export (scripts/README.md)'
      : `it is quantized from ${from}, and the probe measures the float network: run --diagnostics with --model ${from}`;
  return { available: false, reason: `model ${m.name} has no velocity graph (no files.velocity in its manifest.json); ${why}` };
}

/**
 * Runs a model's velocity graph in a worker thread: for a degraded frame and
 * its clean original, f(x_k, k, y), μ − x_k and the gate at each step k.
 *
 * @example
 * const probe = await OnnxVelocityProbe.create({ modelDir: 'models/f2d-lite', provider: 'cpu', threads: 2 });
 * try {
 *   const steps = await probe.probe(degraded, clean, probe.kGrid, probe.kGrid.map((k) => mixSeed(seed, k)));
 * } finally {
 *   await probe.close();
 * }
 */
export class OnnxVelocityProbe {
  readonly modelName: string;
  /** The transport steps the model's manifest asks the probe to measure. */
  readonly kGrid: readonly number[];
  /** T, the transport's last step. */
  readonly steps: number;
  readonly sigmasScale: number;
  readonly provider: ExecutionProvider;
  private readonly client: WorkerClient;

  private constructor(client: WorkerClient, init: Pick<OnnxVelocityProbe, 'modelName' | 'kGrid' | 'steps' | 'sigmasScale' | 'provider'>) {
    this.client = client;
    this.modelName = init.modelName;
    this.kGrid = init.kGrid;
    this.steps = init.steps;
    this.sigmasScale = init.sigmasScale;
    this.provider = init.provider;
  }

  /** @internal the worker thread, for lifecycle tests. */
  get worker(): Worker {
    return this.client.worker;
  }

  /**
   * Starts the worker, checks the manifest and every hash, opens the parser and the velocity graph.
   *
   * @throws {F2dError} ERR_MODEL_FILE_MISSING when the model has no velocity graph
   *   ({@link velocityGraphStatus} says so without throwing); the model load errors; ERR_MODEL_WORKER_EXIT
   */
  static async create(options: VelocityProbeOptions): Promise<OnnxVelocityProbe> {
    const { client, ready } = await WorkerClient.start(
      { kind: 'velocity', modelDir: options.modelDir, provider: options.provider, threads: options.threads },
      `the velocity probe of ${options.modelDir}`,
    );
    if (ready.model.kind !== 'velocity') {
      await client.close();
      throw new F2dError('ERR_MODEL_INTERNAL', 'internal', `the worker loaded a ${ready.model.kind} model, not the velocity probe`);
    }
    for (const w of ready.warnings) options.onWarning?.(w);
    const { name, kGrid, steps, sigmasScale } = ready.model;
    return new OnnxVelocityProbe(client, { modelName: name, kGrid, steps, sigmasScale, provider: ready.provider });
  }

  /**
   * The probe on one pair at each step of `ks`, the noise of step `ks[i]` drawn from `seeds[i]`.
   * Both frames' buffers are transferred (pass copies you no longer need).
   *
   * @returns one {@link VelocityStep} per k, in order: planar `[3, height, width]` f and μ − x_k, and α
   * @throws {InvalidStateError} ERR_MODEL_CLOSED after {@link close}
   * @throws {F2dError} ERR_MODEL_FRAME_INVALID, ERR_MODEL_RUN, ERR_MODEL_WORKER_EXIT
   */
  async probe(degraded: RgbFrame, clean: RgbFrame, ks: readonly number[], seeds: readonly number[]): Promise<VelocityStep[]> {
    this.client.assertOpen('probe');
    const d = toWire(degraded);
    const c = toWire(clean);
    const reply = await this.client.request((id) => ({ type: 'velocity', id, frame: d.wire, clean: c.wire, ks, seeds }), [...d.transfer, ...c.transfer]);
    if (reply.type !== 'velocity') throw unexpectedReply(reply);
    return [...reply.steps];
  }

  /** Stops the worker; idempotent. */
  close(): Promise<void> {
    return this.client.close();
  }

  /** `await using p = await OnnxVelocityProbe.create(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
