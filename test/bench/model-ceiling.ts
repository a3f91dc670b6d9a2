/**
 * Ceiling 2: the model alone. Both sessions opened with the product's
 * session options (src/model/worker/session.ts), run on pre-made tensors (a real
 * frame of the clip, padded to the model's size multiple), no worker, no
 * copies: what onnxruntime itself costs.
 */
import { performance } from 'node:perf_hooks';
import { loadManifest } from '../../src/model/manifest.js';
import { openSession, ort, sessionOptions, type SessionSettings } from '../../src/model/worker/session.js';
import { RestorerPool } from '../../src/model/restorer-pool.js';
import { padRgb, paddedSize } from '../../src/model/tensor.js';
import type { ExecutionProvider } from '../../src/model/types.js';
import { median } from './stats.js';

/** A named change to the product's session options, for the option sweep. */
export interface OptionVariant {
  readonly name: string;
  readonly settings: Partial<SessionSettings>;
  readonly options: Partial<ort.InferenceSession.SessionOptions>;
}

/** The option sweep: each differs from the product's options in one setting. */
export const OPTION_VARIANTS: readonly OptionVariant[] = [
  { name: 'product (graph all, mem pattern, no spin)', settings: {}, options: {} },
  { name: 'spin-wait on', settings: { allowSpinning: true }, options: {} },
  { name: 'graph optimisation basic', settings: {}, options: { graphOptimizationLevel: 'basic' } },
  { name: 'graph optimisation extended', settings: {}, options: { graphOptimizationLevel: 'extended' } },
  { name: 'memory pattern off', settings: {}, options: { enableMemPattern: false } },
  { name: 'cpu arena off', settings: {}, options: { enableCpuMemArena: false } },
];

export interface ModelTiming {
  /** Provider asked for. */
  readonly requested: ExecutionProvider;
  /** Provider the sessions run on, or null when it was not available. */
  readonly provider: ExecutionProvider | null;
  /** Why the requested provider is not in use. */
  readonly unavailable: string | null;
  readonly parserMs: number;
  readonly restorerMs: number;
  /** CPU time of one restorer run, all onnxruntime threads (user + system): insensitive to waiting for cores. */
  readonly restorerCpuMs: number;
}

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

interface Sessions {
  readonly parser: ort.InferenceSession;
  readonly restorer: ort.InferenceSession;
  readonly provider: ExecutionProvider;
  readonly warnings: readonly string[];
}

async function open(modelDir: string, settings: SessionSettings, variant: OptionVariant | null): Promise<Sessions> {
  const { files } = await loadManifest(modelDir);
  if (variant === null) {
    const p = await openSession(files.parser, settings);
    const r = await openSession(files.restorer, { ...settings, provider: p.provider });
    return { parser: p.session, restorer: r.session, provider: r.provider, warnings: [...p.warnings, ...r.warnings] };
  }
  const s = { ...settings, ...variant.settings };
  const options = { ...sessionOptions(settings.provider, s), ...variant.options };
  const parser = await ort.InferenceSession.create(files.parser, options);
  const restorer = await ort.InferenceSession.create(files.restorer, options);
  return { parser, restorer, provider: settings.provider, warnings: [] };
}

/**
 * Median parser and restorer run times on `rgb` (a `width`×`height` RGB24 frame).
 *
 * @param runs - timed runs of each graph (after two warm-up runs).
 */
export async function timeModel(
  modelDir: string,
  settings: SessionSettings,
  rgb: Uint8Array,
  width: number,
  height: number,
  runs: number,
  variant: OptionVariant | null = null,
): Promise<ModelTiming> {
  const { manifest } = await loadManifest(modelDir);
  const s = await open(modelDir, settings, variant);
  try {
    if (settings.provider !== 'cpu' && s.provider === 'cpu') {
      // Paths relative to the work tree: the results are committed, this machine's layout is not.
      const why = s.warnings.join(' ').split(`${process.cwd()}/`).join('') || 'fell back to cpu';
      return { requested: settings.provider, provider: null, unavailable: why, parserMs: NaN, restorerMs: NaN, restorerCpuMs: NaN };
    }
    const p = paddedSize(width, height, manifest.sizeMultiple);
    const padded = new Uint8Array(p.width * p.height * 3);
    padRgb(rgb, width, height, padded, p.width, p.height);
    const image = new ort.Tensor('uint8', padded, [1, p.height, p.width, 3]);
    const parsed = await s.parser.run({ image });
    const feeds = { image, maps: parsed['maps']!, weights: parsed['weights']! };
    const parserMs: number[] = [];
    const restorerMs: number[] = [];
    const restorerCpu: number[] = [];
    for (let i = -2; i < runs; i++) {
      const t0 = performance.now();
      await s.parser.run({ image });
      const t1 = performance.now();
      const c1 = process.cpuUsage();
      await s.restorer.run(feeds);
      const c2 = process.cpuUsage(c1);
      const t2 = performance.now();
      if (i < 0) continue;
      restorerCpu.push(cpuMs(c2));
      parserMs.push(t1 - t0);
      restorerMs.push(t2 - t1);
    }
    return { requested: settings.provider, provider: s.provider, unavailable: null, parserMs: median(parserMs), restorerMs: median(restorerMs), restorerCpuMs: median(restorerCpu) };
  } finally {
    await Promise.all([s.parser.release(), s.restorer.release()]);
  }
}

/** Frames a second of the model alone when the parser runs every `interval` frames. */
export function modelFps(t: { parserMs: number; restorerMs: number }, interval: number): number {
  return 1000 / (t.restorerMs + t.parserMs / interval);
}

/** The model's name from its manifest, for the tables. */
export async function modelName(modelDir: string): Promise<string> {
  return (await loadManifest(modelDir)).manifest.name;
}

/**
 * Frames a second of the model alone with frame-parallel streams (`model.streams`, 0 =
 * automatic): a {@link RestorerPool} kept full with copies of `rgb`. Through the workers, as
 * `f2d restore` runs them, so the transfer to and from each worker is included.
 */
export async function timePool(modelDir: string, streams: number, threads: number, parserInterval: number, rgb: Uint8Array, width: number, height: number, frames: number): Promise<{ fps: number; streams: number; threadsPerStream: number }> {
  const pool = await RestorerPool.create({ modelDir, provider: 'cpu', threads, parserInterval, streams });
  try {
    const frame = () => ({ width, height, data: rgb.slice() });
    // Warm-up: start the workers and run each stream once.
    await Promise.all(Array.from({ length: pool.concurrency }, () => pool.restore(frame())));
    const inFlight: Promise<unknown>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < frames; i++) {
      if (inFlight.length >= pool.concurrency) await inFlight.shift();
      inFlight.push(pool.restore(frame()));
    }
    await Promise.all(inFlight);
    const plan = pool.plan!;
    return { fps: (frames * 1000) / (performance.now() - t0), streams: plan.streams, threadsPerStream: plan.threadsPerStream };
  } finally {
    await pool.close();
  }
}
