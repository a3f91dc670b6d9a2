/**
 * The weather-synthesis graph (`models/synth/degrade.onnx`) inside the model
 * worker: the same PyTorch code that makes the training data, exported, so
 * `f2d degrade` and `f2d eval` need no second implementation.
 */
import { performance } from 'node:perf_hooks';
import { F2dError } from '../../errors.js';
import { checkSessionIo, loadSynthManifest, type SynthManifest } from '../manifest.js';
import { fillUniform } from '../prng.js';
import type { SynthEngineOptions } from '../protocol.js';
import { openSession, ort } from './session.js';
import type { ExecutionProvider } from '../types.js';
import type { RgbFrame } from '../../frame.js';

/** What to synthesise on one frame. */
export interface DegradeInputs {
  /** 1 = apply `low, haze, rain, snow`. */
  readonly flags: readonly number[];
  /** `nParams` uniform numbers in [0,1); drawn from `paramsSeed` (else `seed`) when absent. */
  readonly params?: Float32Array | undefined;
  /** Seed of the parameters alone, e.g. one storm for a whole clip while `seed` changes per frame. */
  readonly paramsSeed?: number | undefined;
  /** `[1, nNoise, H, W]` uniform fields in [0,1); drawn from `seed` when absent. */
  readonly noise?: Float32Array | undefined;
  /** Seed of the draws, so a run is reproducible (e.g. base seed + frame index). */
  readonly seed: number;
}

/** The synthesis session and its reusable noise buffer. */
export class SynthEngine {
  readonly manifest: SynthManifest;
  readonly provider: ExecutionProvider;
  readonly warnings: readonly string[];
  private session: ort.InferenceSession | undefined;
  private readonly file: string;
  private noiseBuf = new Float32Array(0);

  private constructor(manifest: SynthManifest, file: string, session: ort.InferenceSession, provider: ExecutionProvider, warnings: readonly string[]) {
    this.manifest = manifest;
    this.file = file;
    this.session = session;
    this.provider = provider;
    this.warnings = warnings;
  }

  /** Loads and checks the manifest and the graph. */
  static async create(options: SynthEngineOptions): Promise<SynthEngine> {
    const { manifest, file } = await loadSynthManifest(options.modelDir);
    const opened = await openSession(file, { provider: options.provider, threads: options.threads });
    try {
      checkSessionIo('degrade', manifest.io.degrade, file, opened.session);
    } catch (err) {
      await opened.session.release();
      throw err;
    }
    return new SynthEngine(manifest, file, opened.session, opened.provider, opened.warnings);
  }

  /** Degrades one frame; returns `width * height * 3` RGB24 in a buffer of its own. */
  async degrade(frame: RgbFrame, inputs: DegradeInputs): Promise<{ data: Uint8Array; timings: Record<string, number> }> {
    const session = this.session;
    if (session === undefined) {
      throw new F2dError('ERR_MODEL_CLOSED', 'internal', 'the synthesis engine was used after close()');
    }
    const { width: w, height: h, data } = frame;
    const { nParams, nNoise } = this.manifest;
    if (data.length !== w * h * 3 || w <= 0 || h <= 0) {
      throw new F2dError('ERR_MODEL_FRAME_INVALID', 'input', `frame ${w}x${h} has ${data.length} bytes; packed RGB24 needs ${w * h * 3}`, {
        fatal: false,
      });
    }
    if (inputs.flags.length !== 4) {
      throw new F2dError('ERR_MODEL_SYNTH_INPUT', 'input', `flags has ${inputs.flags.length} values; it needs 4 (low, haze, rain, snow)`);
    }
    const timings: Record<string, number> = {};
    const t0 = performance.now();
    // Params first, then noise, from one seeded stream each, so the same seed gives the same picture.
    const params = inputs.params ?? fillUniform(new Float32Array(nParams), inputs.paramsSeed ?? inputs.seed);
    let noise = inputs.noise;
    if (noise === undefined) {
      if (this.noiseBuf.length !== nNoise * w * h) this.noiseBuf = new Float32Array(nNoise * w * h);
      noise = fillUniform(this.noiseBuf, (inputs.seed ^ 0x9e3779b9) >>> 0);
    }
    if (params.length !== nParams || noise.length !== nNoise * w * h) {
      throw new F2dError(
        'ERR_MODEL_SYNTH_INPUT',
        'input',
        `params has ${params.length} values (needs ${nParams}) and noise ${noise.length} (needs ${nNoise}x${h}x${w})`,
      );
    }
    timings['random'] = performance.now() - t0;
    const t1 = performance.now();
    let out: ort.InferenceSession.ReturnType;
    try {
      out = await session.run({
        image: new ort.Tensor('uint8', data, [1, h, w, 3]),
        flags: new ort.Tensor('float32', Float32Array.from(inputs.flags), [4]),
        params: new ort.Tensor('float32', params, [nParams]),
        noise: new ort.Tensor('float32', noise, [1, nNoise, h, w]),
      });
    } catch (cause) {
      throw new F2dError('ERR_MODEL_RUN', 'model', `degrade run failed on ${w}x${h} (${this.file}): ${cause instanceof Error ? cause.message : String(cause)}`, {
        hint: 'check that the graph matches models/README.md (synthesis section)',
        cause,
      });
    }
    timings['synth'] = performance.now() - t1;
    const degraded = out['degraded'];
    if (degraded === undefined || degraded.type !== 'uint8' || degraded.dims.join(',') !== `1,${h},${w},3`) {
      throw new F2dError('ERR_MODEL_OUTPUT_SHAPE', 'model', `degrade output 'degraded' is ${degraded?.type} [${degraded?.dims.join(',')}], expected uint8 [1,${h},${w},3]`, {
        hint: 're-export the synthesis graph',
      });
    }
    return { data: degraded.data as Uint8Array, timings };
  }

  /** Releases the session; idempotent. */
  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    await s?.release();
  }
}
