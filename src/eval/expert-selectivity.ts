/**
 * Whether F2D-Net's experts are the factorisation the method claims (issue 9,
 * item 7; docs/f2dnet-method.md §5): each expert should act where its factor
 * is, and only there. Expert i's share on an image is ā_i = α_i · mean(m_i),
 * the gate's mixing weight times the mean of the parser's map for factor i
 * (the restorer adds α_i · m_i ⊙ expert_i per pixel).
 *
 * - **S1**: the mean ā of experts whose factor the synthesis applied, over the
 *   mean ā of those it did not (ratios of sums: an absent factor's ā is near
 *   zero and a mean of per-image ratios would be ruled by its noise);
 * - **S2**: the median over images of max_i ā_i ÷ max(min_i ā_i, 0.001),
 *   which needs no labels (the paper reports about 1.2× for a plain mixture of
 *   experts and about 10× for F2D-Net; uniform routing over equal maps gives 1×).
 *
 * Same definitions as `python3 -m f2dnet.diagnostics`. Its other measure of
 * §5, the velocity probe, needs transport steps k > 0, which the restorer graph
 * (the k = 0 step alone) cannot take: `f2d eval --diagnostics` runs it with the
 * model's second graph, `velocity.onnx` (`./velocity-probe.ts`).
 */
import { FACTORS, type Factor } from '../factors.js';

/** What one restored benchmark image says about the experts. */
export interface ExpertObservation {
  readonly configuration: string;
  /** The gate α (`low, haze, rain, snow`), when the model outputs it. */
  readonly gate?: readonly number[];
  /** Spatial means of the parser's four maps on the image. */
  readonly mapMeans?: readonly number[];
}

/** The `experts` section of the `f2d eval` report. */
export interface ExpertReport {
  readonly s1: number;
  readonly s2: number;
  readonly images: number;
  /** Mean gate α per configuration. */
  readonly gate: Readonly<Record<string, Readonly<Record<Factor, number>>>>;
}

/** Floor of S2's denominator: an expert whose share is below it counts as off. */
const S2_FLOOR = 1e-3;

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * S1, S2 and the mean gate per configuration; null when no observation has a
 * gate (a model exported before the restorer's `alpha` output).
 *
 * @param flags - the synthesis manifest's `configurations` (name → 4 flags)
 * @throws {RangeError} for an observation of a configuration `flags` lacks
 */
export function expertReport(
  observations: readonly ExpertObservation[],
  flags: Readonly<Record<string, readonly number[]>>,
): ExpertReport | null {
  const usable = observations.filter(
    (o): o is Required<ExpertObservation> => o.gate?.length === FACTORS.length && o.mapMeans?.length === FACTORS.length,
  );
  if (usable.length === 0) return null;
  let onSum = 0;
  let onCount = 0;
  let offSum = 0;
  let offCount = 0;
  const ratios: number[] = [];
  const gates = new Map<string, (readonly number[])[]>();
  for (const o of usable) {
    const f = flags[o.configuration];
    if (f === undefined) throw new RangeError(`no flags for configuration '${o.configuration}'`);
    const share = FACTORS.map((_, i) => o.gate[i]! * o.mapMeans[i]!);
    share.forEach((a, i) => {
      if (f[i]! > 0) {
        onSum += a;
        onCount++;
      } else {
        offSum += a;
        offCount++;
      }
    });
    ratios.push(Math.max(...share) / Math.max(Math.min(...share), S2_FLOOR));
    const list = gates.get(o.configuration) ?? [];
    list.push(o.gate);
    gates.set(o.configuration, list);
  }
  const meanGate = (list: readonly (readonly number[])[]): Record<Factor, number> =>
    Object.fromEntries(FACTORS.map((name, i) => [name, list.reduce((s, g) => s + g[i]!, 0) / list.length])) as Record<Factor, number>;
  return {
    s1: onCount === 0 ? NaN : onSum / onCount / Math.max(offCount === 0 ? 0 : offSum / offCount, 1e-6),
    s2: median(ratios),
    images: usable.length,
    gate: Object.fromEntries([...gates].map(([name, list]) => [name, meanGate(list)])),
  };
}

/** The experts section of the `f2d eval` table. */
export function formatExpertTable(r: ExpertReport): string {
  const names = Object.keys(r.gate);
  const w = Math.max(...names.map((n) => n.length), 'gate alpha'.length);
  const header = ['gate alpha'.padEnd(w), ...FACTORS.map((f) => f.padStart(6))].join(' ');
  const lines = [
    header,
    '-'.repeat(header.length),
    ...names.map((n) => [n.padEnd(w), ...FACTORS.map((f) => r.gate[n]![f].toFixed(2).padStart(6))].join(' ')),
    `experts: selectivity S1 ${r.s1.toFixed(2)}x (share of the experts whose factor is present over the absent ones), ` +
      `S2 ${r.s2.toFixed(2)}x (median largest over smallest share; the paper: about 1.2x for a plain mixture of experts, about 10x for F2D-Net), ${r.images} images`,
  ];
  return `${lines.join('\n')}\n`;
}
