/**
 * Calibration for int8 quantization: the range of each activation tensor a
 * quantized convolution reads or writes, measured by running a "probe" graph
 * (the float parser or restorer with those tensors exposed as outputs, written
 * by `scripts/f2dnet/quantize.py probe`) on representative degraded frames.
 *
 * Ranges are percentiles rather than min/max: one hot pixel would otherwise
 * stretch a tensor's 256 levels over values that almost never occur.
 * Offline tooling, so it runs on the calling thread.
 */
import type { RgbFrame } from '../../frame.js';
import { openSession, ort } from './session.js';
import { padRgb, paddedSize } from '../tensor.js';

/** The calibrated range of one tensor. */
export interface TensorRange {
  readonly lo: number;
  readonly hi: number;
  /** Plain min and max, for the record. */
  readonly min: number;
  readonly max: number;
}

export interface CalibrationOptions {
  /** Float parser graph: it runs first, and feeds its maps and weights to a restorer probe as in the product. */
  readonly parserFile: string;
  /** Probe graph (the parser or the restorer with extra outputs). */
  readonly probeFile: string;
  /** Which graph the probe was made from: the parser's probe takes the image alone. */
  readonly graph: 'parser' | 'restorer';
  /** Names of the tensors to range (the probe's extra outputs). */
  readonly tensors: readonly string[];
  readonly sizeMultiple: number;
  /** Fraction of values left outside the range at each end (default 1e-4). */
  readonly tail?: number;
  /** Values kept per tensor per frame for the percentiles (strided sample; default 65536). */
  readonly samplesPerFrame?: number;
  readonly threads?: number;
  readonly onFrame?: (done: number, total: number) => void;
}

/**
 * Runs the probe on every frame and returns each tensor's range.
 *
 * @throws Error when the probe lacks one of `tensors` as an output
 */
export async function calibrateRanges(frames: readonly RgbFrame[], o: CalibrationOptions): Promise<Record<string, TensorRange>> {
  const settings = { provider: 'cpu' as const, threads: o.threads ?? 0 };
  const parser = (await openSession(o.parserFile, settings)).session;
  const probe = (await openSession(o.probeFile, settings)).session;
  try {
    const absent = o.tensors.filter((t) => !probe.outputNames.includes(t));
    if (absent.length > 0) throw new Error(`the probe graph ${o.probeFile} has no output ${absent[0]} (of ${absent.length} missing); write it again with quantize.py probe`);
    const perFrame = o.samplesPerFrame ?? 65536;
    const samples = new Map<string, Float32Array[]>(o.tensors.map((t) => [t, []]));
    const extremes = new Map<string, { min: number; max: number }>(o.tensors.map((t) => [t, { min: Infinity, max: -Infinity }]));
    for (const [i, frame] of frames.entries()) {
      const p = paddedSize(frame.width, frame.height, o.sizeMultiple);
      const padded = new Uint8Array(p.width * p.height * 3);
      padRgb(frame.data, frame.width, frame.height, padded, p.width, p.height);
      const image = new ort.Tensor('uint8', padded, [1, p.height, p.width, 3]);
      const feeds = o.graph === 'parser' ? { image } : await parser.run({ image }).then((p) => ({ image, maps: p['maps']!, weights: p['weights']! }));
      const out = await probe.run(feeds, [...o.tensors]);
      for (const t of o.tensors) {
        const data = out[t]!.data as Float32Array;
        const e = extremes.get(t)!;
        for (let k = 0; k < data.length; k++) {
          const v = data[k]!;
          if (v < e.min) e.min = v;
          if (v > e.max) e.max = v;
        }
        samples.get(t)!.push(stridedSample(data, perFrame));
      }
      o.onFrame?.(i + 1, frames.length);
    }
    const tail = o.tail ?? 1e-4;
    return Object.fromEntries(
      o.tensors.map((t) => {
        const { lo, hi } = percentileRange(samples.get(t)!, tail);
        const { min, max } = extremes.get(t)!;
        return [t, { lo, hi, min, max }];
      }),
    );
  } finally {
    await Promise.all([parser.release(), probe.release()]);
  }
}

/** Up to `n` values of `data`, evenly strided (with an odd stride, so channels and rows are all visited). */
export function stridedSample(data: Float32Array, n: number): Float32Array {
  if (data.length <= n) return data.slice();
  let stride = Math.floor(data.length / n);
  if (stride % 2 === 0) stride -= 1;
  const out = new Float32Array(Math.floor((data.length - 1) / stride) + 1);
  for (let i = 0, k = 0; k < out.length; i += stride, k++) out[k] = data[i]!;
  return out;
}

/** The `tail` and `1 - tail` quantiles of all values in `parts`. */
export function percentileRange(parts: readonly Float32Array[], tail: number): { lo: number; hi: number } {
  const total = parts.reduce((s, p) => s + p.length, 0);
  if (total === 0) throw new RangeError('percentileRange: no values');
  const all = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  all.sort();
  const at = (q: number): number => all[Math.min(total - 1, Math.max(0, Math.round(q * (total - 1))))]!;
  return { lo: at(tail), hi: at(1 - tail) };
}
