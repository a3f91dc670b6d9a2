/**
 * The velocity probe inside the model worker (`f2d eval --diagnostics`): the
 * parser and the velocity graph (`velocity.onnx`) of one model. For a degraded
 * frame and its clean original it runs the graph at each requested transport
 * step k, with standard normal noise drawn here from a seed per step, and hands
 * back f(x_k, k, y), μ − x_k (cropped to the frame) and the gate α; the
 * arithmetic over them is `src/eval/velocity-probe.ts`'s.
 */
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { F2dError } from '../../errors.js';
import { FACTORS } from '../../factors.js';
import type { RgbFrame } from '../../frame.js';
import { checkSessionIo, loadManifest, verifySha256, type Manifest } from '../manifest.js';
import { fillGaussian } from '../prng.js';
import type { VelocityEngineOptions, VelocityStep } from '../protocol.js';
import { cropPlanar, padRgb, paddedSize } from '../tensor.js';
import type { ExecutionProvider } from '../types.js';
import { openSession, ort } from './session.js';

/** The manifest's velocity entries, present (the engine is made only for a model that lists the graph). */
export interface VelocitySpec {
  readonly kGrid: readonly number[];
  readonly steps: number;
  readonly sigmasScale: number;
}

/** Parser and velocity sessions of one model, with the float buffers reused between frames. */
export class VelocityEngine {
  readonly manifest: Manifest;
  readonly spec: VelocitySpec;
  readonly provider: ExecutionProvider;
  readonly warnings: readonly string[];
  private readonly file: string;
  private parser: ort.InferenceSession | undefined;
  private velocity: ort.InferenceSession | undefined;

  private constructor(
    manifest: Manifest,
    spec: VelocitySpec,
    file: string,
    sessions: { parser: ort.InferenceSession; velocity: ort.InferenceSession },
    provider: ExecutionProvider,
    warnings: string[],
  ) {
    this.manifest = manifest;
    this.spec = spec;
    this.file = file;
    this.parser = sessions.parser;
    this.velocity = sessions.velocity;
    this.provider = provider;
    this.warnings = warnings;
  }

  /**
   * Loads the manifest (with the sha256 of every graph it lists, the velocity graph's too),
   * opens both sessions and checks their inputs and outputs against it.
   *
   * @throws {F2dError} ERR_MODEL_FILE_MISSING when the model lists no velocity graph; the
   *   manifest, load and ERR_MODEL_IO_MISMATCH errors; sessions are released before throwing.
   */
  static async create(options: VelocityEngineOptions): Promise<VelocityEngine> {
    const loaded = await loadManifest(options.modelDir);
    const m = loaded.manifest;
    const manifestPath = path.join(loaded.dir, 'manifest.json');
    if (m.files.velocity === undefined || m.io.velocity === undefined || m.velocity === undefined) {
      throw new F2dError('ERR_MODEL_FILE_MISSING', 'model', `${manifestPath} lists no velocity graph (files.velocity)`, {
        hint: 're-export the model with python3 -m f2dnet.export, which writes velocity.onnx (scripts/README.md)',
      });
    }
    const file = path.join(loaded.dir, m.files.velocity.path);
    await verifySha256(file, m.files.velocity.sha256, manifestPath);
    const settings = { provider: options.provider, threads: options.threads };
    const opened: ort.InferenceSession[] = [];
    try {
      const p = await openSession(loaded.files.parser, settings);
      opened.push(p.session);
      checkSessionIo('parser', m.io.parser, loaded.files.parser, p.session);
      const v = await openSession(file, { ...settings, provider: p.provider });
      opened.push(v.session);
      checkSessionIo('velocity', m.io.velocity, file, v.session);
      const spec = { kGrid: m.velocity.kGrid, steps: m.velocity.steps, sigmasScale: m.velocity.sigmasScale };
      return new VelocityEngine(m, spec, file, { parser: p.session, velocity: v.session }, v.provider, [...p.warnings, ...v.warnings]);
    } catch (err) {
      await Promise.all(opened.map((s) => s.release()));
      throw err;
    }
  }

  /**
   * The probe on one pair: the parser on `degraded`, then the velocity graph at each of `ks`
   * with ε from `fillGaussian(…, seeds[i])`. Frames of any size: both are padded by edge
   * replication to the size multiple, and the outputs cropped back.
   *
   * @throws {F2dError} ERR_MODEL_FRAME_INVALID for frames that differ in size or are not RGB24,
   *   ERR_MODEL_RUN, ERR_MODEL_OUTPUT_SHAPE
   */
  async probe(degraded: RgbFrame, clean: RgbFrame, ks: readonly number[], seeds: readonly number[]): Promise<{ steps: VelocityStep[]; timings: Record<string, number> }> {
    const { parser, velocity } = this.sessions();
    checkPair(degraded, clean, ks, seeds, this.spec.steps);
    const { width, height } = degraded;
    const { width: pw, height: ph } = paddedSize(width, height, this.manifest.sizeMultiple);
    let velocityMs = 0;
    const padded = (frame: RgbFrame): Uint8Array => {
      if (pw === width && ph === height) return frame.data;
      const out = new Uint8Array(pw * ph * 3);
      padRgb(frame.data, width, height, out, pw, ph);
      return out;
    };
    const image = padded(degraded);
    let t0 = performance.now();
    const parsed = await this.run(parser, 'parser', { image: new ort.Tensor('uint8', image, [1, ph, pw, 3]) });
    const parserMs = performance.now() - t0;
    const dims = [1, 3, ph, pw];
    const feeds = {
      degraded: new ort.Tensor('float32', toModelRange(image, pw * ph), dims),
      clean: new ort.Tensor('float32', toModelRange(padded(clean), pw * ph), dims),
      maps: parsed['maps']!,
      weights: parsed['weights']!,
    };
    const steps: VelocityStep[] = [];
    for (const [i, k] of ks.entries()) {
      const eps = new ort.Tensor('float32', fillGaussian(new Float32Array(3 * pw * ph), seeds[i]!), dims);
      t0 = performance.now();
      const out = await this.run(velocity, 'velocity', { ...feeds, k: new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1]), eps });
      velocityMs += performance.now() - t0;
      const crop = (name: 'velocity' | 'target'): Float32Array => {
        const t = out[name]!;
        expectShape(name, t.dims, dims, this.file);
        const data = t.data as Float32Array;
        return pw === width && ph === height ? data.slice() : cropPlanar(data, 3, pw, ph, 0, 0, width, height, new Float32Array(3 * width * height));
      };
      const alpha = out['alpha']!;
      expectShape('alpha', alpha.dims, [1, FACTORS.length], this.file);
      steps.push({ k, velocity: crop('velocity'), target: crop('target'), alpha: Array.from(alpha.data as Float32Array) });
    }
    return { steps, timings: { parser: parserMs, velocity: velocityMs } };
  }

  /** Releases both sessions; idempotent. */
  async close(): Promise<void> {
    const sessions = [this.parser, this.velocity];
    this.parser = undefined;
    this.velocity = undefined;
    await Promise.all(sessions.map((s) => s?.release()));
  }

  private sessions(): { parser: ort.InferenceSession; velocity: ort.InferenceSession } {
    if (this.parser === undefined || this.velocity === undefined) {
      throw new F2dError('ERR_MODEL_CLOSED', 'internal', 'the velocity engine was used after close()', {
        hint: 'create a new probe; close() releases the sessions',
      });
    }
    return { parser: this.parser, velocity: this.velocity };
  }

  private async run(session: ort.InferenceSession, graph: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    try {
      return (await session.run(feeds)) as Record<string, ort.Tensor>;
    } catch (cause) {
      const shapes = Object.entries(feeds)
        .map(([k, v]) => `${k}[${v.dims.join(',')}]`)
        .join(' ');
      throw new F2dError('ERR_MODEL_RUN', 'model', `${graph} run failed on ${shapes} (${this.file}): ${cause instanceof Error ? cause.message : String(cause)}`, {
        hint: 'check that the model matches models/README.md (velocity probe); re-export it with python3 -m f2dnet.export',
        cause,
      });
    }
  }
}

/** Packed RGB24 → planar float32 `[3, H, W]` in [−1, 1], as the export's `to_model_range` does. */
function toModelRange(rgb: Uint8Array, pixels: number): Float32Array {
  const out = new Float32Array(3 * pixels);
  for (let p = 0; p < pixels; p++) {
    out[p] = rgb[3 * p]! / 127.5 - 1;
    out[pixels + p] = rgb[3 * p + 1]! / 127.5 - 1;
    out[2 * pixels + p] = rgb[3 * p + 2]! / 127.5 - 1;
  }
  return out;
}

function checkPair(degraded: RgbFrame, clean: RgbFrame, ks: readonly number[], seeds: readonly number[], last: number): void {
  const bad = (message: string): never => {
    throw new F2dError('ERR_MODEL_FRAME_INVALID', 'input', `velocity probe: ${message}`, { fatal: false });
  };
  for (const [name, f] of [['degraded', degraded], ['clean', clean]] as const) {
    if (!Number.isInteger(f.width) || !Number.isInteger(f.height) || f.width <= 0 || f.height <= 0) bad(`${name} frame size ${f.width}x${f.height} is not a positive integer size`);
    if (f.data.length !== f.width * f.height * 3) bad(`${name} frame ${f.width}x${f.height} has ${f.data.length} bytes; packed RGB24 needs ${f.width * f.height * 3}`);
  }
  if (degraded.width !== clean.width || degraded.height !== clean.height) bad(`the degraded frame is ${degraded.width}x${degraded.height}, the clean one ${clean.width}x${clean.height}`);
  if (ks.length !== seeds.length) bad(`${ks.length} steps but ${seeds.length} seeds`);
  for (const k of ks) if (!Number.isInteger(k) || k < 0 || k > last) bad(`step k = ${k} is not an integer in [0, ${last}]`);
}

function expectShape(name: string, got: readonly number[], want: readonly number[], file: string): void {
  if (got.length === want.length && got.every((d, i) => d === want[i])) return;
  throw new F2dError('ERR_MODEL_OUTPUT_SHAPE', 'model', `velocity output '${name}' has shape [${got.join(',')}], expected [${want.join(',')}] (${file})`, {
    hint: 'the graph does not follow models/README.md (velocity probe); re-export it',
  });
}
