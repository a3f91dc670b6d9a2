/**
 * The velocity-magnitude probe of `f2d eval --diagnostics` (issue 9, item 7;
 * docs/f2dnet-method.md §5): whether the network's velocity along the
 * transport has the target's size and direction, or falls short of it as a
 * prediction averaged over what x_k could have come from does. For each benchmark
 * image picked and each transport step k of the model's grid, the model's
 * velocity graph samples x_k = μ + (y − μ)·exp(m̄_k + s̄_k ε) from the degraded y,
 * the clean μ and seeded noise ε, and returns f(x_k, k, y), the target μ − x_k and
 * the gate α. Here:
 *
 * - **ρ(k)** = Σ‖f‖ / Σ‖μ − x_k‖ over the images (L2 norms of whole images; below 1
 *   when predictions average);
 * - **cosine(k)**: the mean over images of the cosine between f and μ − x_k;
 * - **α(k)**: the mean gate per configuration, and its mean weight on the experts
 *   whose factor the synthesis applied against the others.
 *
 * The same definitions as `python3 -m f2dnet.diagnostics` (`velocity_probe`) on a
 * checkpoint; the graph is exported beside the restorer (`velocity.onnx`).
 */
import { F2dError } from '../errors.js';
import { FACTORS, type Factor } from '../factors.js';
import { mixSeed } from '../model/prng.js';
import type { VelocityStep } from '../model/protocol.js';
import type { RgbImage } from './metrics.js';

/** What the probe needs of a velocity graph (`OnnxVelocityProbe`, or a fake in tests). */
export interface VelocityRunner {
  readonly kGrid: readonly number[];
  /** f, μ − x_k and α at each of `ks` for one pair; the frames may be taken (transferred). */
  probe(degraded: RgbImage, clean: RgbImage, ks: readonly number[], seeds: readonly number[]): Promise<readonly VelocityStep[]>;
}

/** One benchmark image the probe runs on. */
export interface ProbeItem {
  readonly configuration: string;
  /** The image's synthesis seed; the noise of step k is drawn from `mixSeed(seed, k)`. */
  readonly seed: number;
  readonly degraded: RgbImage;
  readonly clean: RgbImage;
}

/** What one (image, k) says: the norms of f and of the target, their cosine, the gate. */
export interface VelocityObservation {
  readonly configuration: string;
  readonly k: number;
  readonly velocityNorm: number;
  readonly targetNorm: number;
  readonly cosine: number;
  readonly alpha: readonly number[];
}

/** The probe at one transport step. */
export interface VelocityRow {
  readonly k: number;
  /** Σ‖f‖ / Σ‖μ − x_k‖ over the images. */
  readonly rho: number;
  /** Mean over images of cos(f, μ − x_k). */
  readonly cosine: number;
  /** Mean gate weight of the experts whose factor is present in the image, and of the others (null: none such). */
  readonly alphaPresent: number | null;
  readonly alphaAbsent: number | null;
  /** Mean gate α per configuration. */
  readonly alpha: Readonly<Record<string, Readonly<Record<Factor, number>>>>;
}

/** The `velocity` section of the `f2d eval` report when the probe ran. */
export interface VelocityReport {
  /** The transport steps measured (the model manifest's `velocity.kGrid`). */
  readonly kGrid: readonly number[];
  readonly sigmasScale: number;
  /** Images per configuration (`eval.diagnosticsImages`, fewer when the benchmark had fewer photos), and in all. */
  readonly imagesPerConfiguration: number;
  readonly images: number;
  readonly noise: string;
  /** How long the probe took (after the benchmark). */
  readonly seconds: number;
  readonly rows: readonly VelocityRow[];
}

/** The `velocity` section when `--diagnostics` asked for the probe and it could not run: why. */
export interface VelocityUnavailable {
  readonly rows: null;
  readonly reason: string;
}

export type VelocitySection = VelocityReport | VelocityUnavailable;

/** torch.nn.functional.cosine_similarity's floor on the product of the norms. */
const COSINE_EPS = 1e-8;

/**
 * The norms of f and μ − x_k and their cosine, summed in double precision.
 *
 * @throws {RangeError} when the two differ in length
 */
export function compareVelocity(velocity: Float32Array, target: Float32Array): { velocityNorm: number; targetNorm: number; cosine: number } {
  if (velocity.length !== target.length) throw new RangeError(`velocity has ${velocity.length} values, target ${target.length}`);
  let ff = 0;
  let tt = 0;
  let ft = 0;
  for (let i = 0; i < velocity.length; i++) {
    const f = velocity[i]!;
    const t = target[i]!;
    ff += f * f;
    tt += t * t;
    ft += f * t;
  }
  const velocityNorm = Math.sqrt(ff);
  const targetNorm = Math.sqrt(tt);
  return { velocityNorm, targetNorm, cosine: ft / Math.max(velocityNorm * targetNorm, COSINE_EPS) };
}

/** The probe's noise seed for an image and a step: unrelated streams for every pair. */
export const probeSeed = (itemSeed: number, k: number): number => mixSeed(itemSeed, k);

/**
 * Runs the probe on every item at every step of the runner's grid, one item at a time.
 *
 * @throws {F2dError} ERR_EVAL_INTERRUPTED when `signal` aborts; whatever the runner throws
 */
export async function runVelocityProbe(
  items: readonly ProbeItem[],
  runner: VelocityRunner,
  hooks: { readonly signal?: AbortSignal; readonly onItem?: (done: number, total: number) => void } = {},
): Promise<VelocityObservation[]> {
  const ks = runner.kGrid;
  const observations: VelocityObservation[] = [];
  for (const [i, item] of items.entries()) {
    if (hooks.signal?.aborted) {
      throw new F2dError('ERR_EVAL_INTERRUPTED', 'interrupted', `the velocity probe was stopped after ${i} of ${items.length} images`, {
        hint: 'leave out --diagnostics, or set eval.diagnosticsImages lower',
      });
    }
    const steps = await runner.probe(item.degraded, item.clean, ks, ks.map((k) => probeSeed(item.seed, k)));
    for (const step of steps) {
      observations.push({ configuration: item.configuration, k: step.k, alpha: step.alpha, ...compareVelocity(step.velocity, step.target) });
    }
    hooks.onItem?.(i + 1, items.length);
  }
  return observations;
}

const mean = (values: readonly number[]): number | null => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);

/**
 * ρ, the mean cosine and the gate at each step of `kGrid`.
 *
 * @param flags - the synthesis manifest's `configurations` (name → 4 flags), for the present/absent split
 * @throws {RangeError} for an observation of a configuration `flags` lacks, or a step without observations
 */
export function velocityRows(
  observations: readonly VelocityObservation[],
  kGrid: readonly number[],
  flags: Readonly<Record<string, readonly number[]>>,
): VelocityRow[] {
  return kGrid.map((k) => {
    const at = observations.filter((o) => o.k === k);
    if (at.length === 0) throw new RangeError(`no velocity observation at k = ${k}`);
    const present: number[] = [];
    const absent: number[] = [];
    const gates = new Map<string, (readonly number[])[]>();
    for (const o of at) {
      const f = flags[o.configuration];
      if (f === undefined) throw new RangeError(`no flags for configuration '${o.configuration}'`);
      o.alpha.forEach((a, i) => (f[i]! > 0 ? present : absent).push(a));
      gates.set(o.configuration, [...(gates.get(o.configuration) ?? []), o.alpha]);
    }
    const sum = (pick: (o: VelocityObservation) => number): number => at.reduce((s, o) => s + pick(o), 0);
    const meanGate = (list: readonly (readonly number[])[]): Record<Factor, number> =>
      Object.fromEntries(FACTORS.map((name, i) => [name, list.reduce((s, g) => s + g[i]!, 0) / list.length])) as Record<Factor, number>;
    return {
      k,
      rho: sum((o) => o.velocityNorm) / Math.max(sum((o) => o.targetNorm), 1e-9),
      cosine: sum((o) => o.cosine) / at.length,
      alphaPresent: mean(present),
      alphaAbsent: mean(absent),
      alpha: Object.fromEntries([...gates].map(([name, list]) => [name, meanGate(list)])),
    };
  });
}

/**
 * A predicate that takes the first `perConfiguration` items of each configuration
 * it is shown, in order: the benchmark keeps only those images for the probe
 * (all of them would be gigabytes).
 */
export function firstPerConfiguration(perConfiguration: number): (item: { readonly configuration: string }) => boolean {
  const taken = new Map<string, number>();
  return (item) => {
    const n = taken.get(item.configuration) ?? 0;
    if (n >= perConfiguration) return false;
    taken.set(item.configuration, n + 1);
    return true;
  };
}

/** The report section from the observations. */
export function velocityReport(
  observations: readonly VelocityObservation[],
  meta: {
    readonly kGrid: readonly number[];
    readonly sigmasScale: number;
    readonly images: number;
    readonly imagesPerConfiguration: number;
    readonly seconds: number;
  },
  flags: Readonly<Record<string, readonly number[]>>,
): VelocityReport {
  return {
    kGrid: [...meta.kGrid],
    sigmasScale: meta.sigmasScale,
    imagesPerConfiguration: meta.imagesPerConfiguration,
    images: meta.images,
    noise: 'standard normal, Box-Muller on mulberry32, seeded per image and step with mixSeed(image synthesis seed, k)',
    seconds: meta.seconds,
    rows: velocityRows(observations, meta.kGrid, flags),
  };
}

const fixed = (v: number | null, digits: number, width: number): string => (v === null ? '-' : v.toFixed(digits)).padStart(width);

/** The velocity section of the `f2d eval` table (or the line that says why the probe did not run). */
export function formatVelocityTable(section: VelocitySection): string {
  if (section.rows === null) return `velocity probe: not measured: ${section.reason}\n`;
  const header = ['k'.padStart(4), 'rho'.padStart(7), 'cosine'.padStart(7), 'alpha on'.padStart(10), 'alpha off'.padStart(10)].join(' ');
  const lines = [
    `velocity probe: ${section.images} images (${section.imagesPerConfiguration} per configuration), x_k on the transport (sigmas scale ${section.sigmasScale}), seeded noise; ${section.seconds.toFixed(1)} s`,
    header,
    '-'.repeat(header.length),
    ...section.rows.map((r) =>
      [String(r.k).padStart(4), fixed(r.rho, 3, 7), fixed(r.cosine, 3, 7), fixed(r.alphaPresent, 3, 10), fixed(r.alphaAbsent, 3, 10)].join(' '),
    ),
    'rho = sum |f| / sum |mu - x_k| (below 1: the velocity falls short of the target, as averaged predictions do); cosine = mean cos(f, mu - x_k); ' +
      'alpha on/off = mean gate weight of the experts whose factor is present / absent (the JSON has the gate per configuration)',
  ];
  return `${lines.join('\n')}\n`;
}
