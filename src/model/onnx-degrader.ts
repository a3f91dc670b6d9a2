/**
 * {@link OnnxDegrader}: composite-weather synthesis (`models/synth/`) in a
 * worker thread, for `f2d degrade`, `f2d eval` and the benchmark.
 */
import type { Worker } from 'node:worker_threads';
import { F2dError } from '../errors.js';
import type { ExecutionProvider } from './types.js';
import type { RgbFrame } from '../frame.js';
import { fromWire, toWire, unexpectedReply, WorkerClient } from './worker-client.js';

/** How to build an {@link OnnxDegrader}. */
export interface DegraderOptions {
  /** Directory holding the synthesis `manifest.json` and `degrade.onnx`. */
  readonly modelDir: string;
  readonly provider: ExecutionProvider;
  /** Intra-op threads (0 = onnxruntime's default). */
  readonly threads: number;
  readonly onWarning?: (message: string) => void;
}

/** What to synthesise: a named configuration (`low_haze`, …) or explicit flags. */
export interface DegradeRequest {
  /** A key of the manifest's `configurations`, e.g. `rain` or `low_haze_snow`. */
  readonly configuration?: string;
  /** `low, haze, rain, snow` flags (1 = apply); used when `configuration` is absent. */
  readonly flags?: readonly number[];
  /** Seed of the random parameters and noise fields (e.g. base seed + frame index). */
  readonly seed: number;
  /**
   * Seed of the random parameters alone (default: `seed`). A clip keeps one storm by
   * passing the same `paramsSeed` for every frame and a fresh `seed` for the noise.
   */
  readonly paramsSeed?: number;
  /** Explicit parameters (`nParams` uniforms in [0,1)), e.g. to replay a golden. */
  readonly params?: Float32Array;
  /** Explicit noise fields `[1, nNoise, H, W]` in [0,1). */
  readonly noise?: Float32Array;
}

/** What {@link OnnxDegrader.degrade} returns. */
export interface DegradeResult {
  readonly frame: RgbFrame;
  /** The input frame's buffer, handed back after its trip to the worker. */
  readonly input: RgbFrame;
  readonly timings: Readonly<Record<string, number>>;
}

/**
 * Applies synthetic low light, haze, rain and snow to RGB24 frames with the
 * exported synthesis graph, reproducibly from a seed.
 *
 * @example
 * const synth = await OnnxDegrader.create({ modelDir: 'models/synth', provider: 'cpu', threads: 2 });
 * const { frame } = await synth.degrade(clean, { configuration: 'low_haze', seed: 42 });
 * await synth.close();
 */
export class OnnxDegrader {
  readonly provider: ExecutionProvider;
  readonly warnings: readonly string[];
  readonly modelName: string;
  /** Named flag sets (`low`, `haze_rain`, …) from the manifest. */
  readonly configurations: Readonly<Record<string, readonly number[]>>;
  /** Groups of configuration names (`single`, `pair`, `triple`). */
  readonly tiers: Readonly<Record<string, readonly string[]>>;
  private readonly client: WorkerClient;

  private constructor(
    client: WorkerClient,
    init: Pick<OnnxDegrader, 'provider' | 'warnings' | 'modelName' | 'configurations' | 'tiers'>,
  ) {
    this.client = client;
    this.provider = init.provider;
    this.warnings = init.warnings;
    this.modelName = init.modelName;
    this.configurations = init.configurations;
    this.tiers = init.tiers;
  }

  /** @internal the worker thread, for lifecycle tests. */
  get worker(): Worker {
    return this.client.worker;
  }

  /**
   * Starts the worker and loads the synthesis graph (sha256 and io checked).
   *
   * @throws {F2dError} the model errors of `loadSynthManifest`, ERR_MODEL_WORKER_EXIT.
   */
  static async create(options: DegraderOptions): Promise<OnnxDegrader> {
    const { client, ready } = await WorkerClient.start(
      { kind: 'synth', modelDir: options.modelDir, provider: options.provider, threads: options.threads },
      `the synthesis graph in ${options.modelDir}`,
    );
    if (ready.model.kind !== 'synth') {
      await client.close();
      throw new F2dError('ERR_MODEL_INTERNAL', 'internal', `the worker loaded a ${ready.model.kind} model, not the synthesis graph`);
    }
    for (const w of ready.warnings) options.onWarning?.(w);
    return new OnnxDegrader(client, {
      provider: ready.provider,
      warnings: ready.warnings,
      modelName: ready.model.name,
      configurations: ready.model.configurations,
      tiers: ready.model.tiers,
    });
  }

  /**
   * Degrades one frame. Its buffer is transferred (see `OnnxRestorer.restore`)
   * and comes back as `result.input`.
   *
   * @throws {F2dError} ERR_MODEL_SYNTH_CONFIG for an unknown configuration (naming the known ones).
   */
  async degrade(frame: RgbFrame, request: DegradeRequest): Promise<DegradeResult> {
    this.client.assertOpen('degrade');
    const flags = this.flagsFor(request);
    const { wire, transfer } = toWire(frame);
    const reply = await this.client.request(
      (id) => ({ type: 'degrade', id, frame: wire, flags, params: request.params, paramsSeed: request.paramsSeed, noise: request.noise, seed: request.seed }),
      transfer,
    );
    if (reply.type !== 'degraded') throw unexpectedReply(reply);
    return { frame: fromWire(reply.frame), input: fromWire(reply.input), timings: reply.timings };
  }

  /** Stops the worker; idempotent. */
  close(): Promise<void> {
    return this.client.close();
  }

  /** `await using r = await OnnxDegrader.create(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private flagsFor(request: DegradeRequest): readonly number[] {
    if (request.configuration !== undefined) {
      const flags = this.configurations[request.configuration];
      if (flags === undefined) {
        throw new F2dError(
          'ERR_MODEL_SYNTH_CONFIG',
          'config',
          `unknown weather configuration '${request.configuration}'; known: ${Object.keys(this.configurations).join(', ')}`,
          { hint: 'pick one of the names listed, as in models/synth/manifest.json' },
        );
      }
      return flags;
    }
    if (request.flags === undefined || request.flags.length !== 4) {
      throw new F2dError('ERR_MODEL_SYNTH_CONFIG', 'config', 'degrade() needs a configuration name or 4 flags (low, haze, rain, snow)', {
        hint: `pass { configuration: '${Object.keys(this.configurations)[0] ?? 'rain'}' } or { flags: [0, 0, 1, 0] }`,
      });
    }
    return request.flags;
  }
}
