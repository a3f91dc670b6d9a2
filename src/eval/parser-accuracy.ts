/**
 * How well the parser recognises the weather (issue 9, item 5): its weights
 * (`low, haze, rain, snow`, one per factor in [0,1]) read as presence at 0.5,
 * against the flags the synthesis applied. The weights drive the viewer, the
 * pass-through and the experts, so a factor the parser misses is a factor the
 * model does not remove. The clean photos, parsed too, give the false-positive
 * side: the weights the parser gives an image with no weather at all.
 */
import { FACTORS, type Factor } from '../factors.js';

/** A weight at or above this counts as "present". */
export const PRESENCE_THRESHOLD = 0.5;

export type PerFactor = Readonly<Record<Factor, number>>;

/** The parser on one configuration's images. */
export interface ParserConfigurationRow {
  readonly count: number;
  /** The synthesis flags of the configuration (1 = applied). */
  readonly flags: PerFactor;
  /** Share of images where presence at 0.5 matches the flag, per factor. */
  readonly accuracy: PerFactor;
  /** Share of images with all four factors right. */
  readonly exact: number;
  readonly meanWeight: PerFactor;
}

/** The parser on the clean (undegraded) photos. */
export interface ParserCleanRow {
  readonly count: number;
  readonly meanWeight: PerFactor;
  /** Share of clean photos where the factor reads as present: false positives. */
  readonly falsePositive: PerFactor;
}

/** The `parser` section of the `f2d eval` report. */
export interface ParserReport {
  readonly threshold: number;
  /** Over every degraded image (each configuration weighs by its image count; all have the same). */
  readonly accuracy: PerFactor;
  readonly exact: number;
  readonly perConfiguration: Readonly<Record<string, ParserConfigurationRow>>;
  readonly clean: ParserCleanRow | null;
}

/** One parsed degraded image. */
export interface ParsedItem {
  readonly configuration: string;
  readonly weights?: readonly number[];
}

const perFactor = (f: (k: number) => number): PerFactor => Object.fromEntries(FACTORS.map((name, k) => [name, f(k)])) as Record<Factor, number>;
const present = (w: number): boolean => w >= PRESENCE_THRESHOLD;

function row(weights: readonly (readonly number[])[], flags: readonly number[]): ParserConfigurationRow {
  const n = weights.length;
  const right = (w: readonly number[], k: number): boolean => present(w[k]!) === flags[k]! > 0;
  return {
    count: n,
    flags: perFactor((k) => flags[k]!),
    accuracy: perFactor((k) => weights.filter((w) => right(w, k)).length / n),
    exact: weights.filter((w) => FACTORS.every((_, k) => right(w, k))).length / n,
    meanWeight: perFactor((k) => weights.reduce((s, w) => s + w[k]!, 0) / n),
  };
}

/**
 * The parser's accuracy per factor, overall and per configuration, and its
 * weights on the clean photos; null when no item carries weights (a restorer
 * that does not report them).
 *
 * @param flags - the synthesis manifest's `configurations` (name → 4 flags)
 * @param cleanWeights - the parser's weights on each clean photo (empty = not measured)
 */
export function parserReport(
  items: readonly ParsedItem[],
  flags: Readonly<Record<string, readonly number[]>>,
  cleanWeights: readonly (readonly number[])[],
): ParserReport | null {
  const parsed = items.filter((i): i is ParsedItem & { weights: readonly number[] } => i.weights !== undefined && i.weights.length === FACTORS.length);
  if (parsed.length === 0) return null;
  const perConfiguration: Record<string, ParserConfigurationRow> = {};
  for (const name of new Set(parsed.map((i) => i.configuration))) {
    const f = flags[name];
    if (f === undefined) throw new RangeError(`no flags for configuration '${name}'`);
    perConfiguration[name] = row(parsed.filter((i) => i.configuration === name).map((i) => i.weights), f);
  }
  const rows = Object.values(perConfiguration);
  const total = rows.reduce((s, r) => s + r.count, 0);
  const pooled = (pick: (r: ParserConfigurationRow) => number): number => rows.reduce((s, r) => s + pick(r) * r.count, 0) / total;
  const nClean = cleanWeights.length;
  return {
    threshold: PRESENCE_THRESHOLD,
    accuracy: perFactor((k) => pooled((r) => r.accuracy[FACTORS[k]!])),
    exact: pooled((r) => r.exact),
    perConfiguration,
    clean:
      nClean === 0
        ? null
        : {
            count: nClean,
            meanWeight: perFactor((k) => cleanWeights.reduce((s, w) => s + w[k]!, 0) / nClean),
            falsePositive: perFactor((k) => cleanWeights.filter((w) => present(w[k]!)).length / nClean),
          },
  };
}

const cell = (acc: number, weight: number): string => `${(100 * acc).toFixed(0).padStart(3)}% ${weight.toFixed(2)}`;

/**
 * The parser section of the `f2d eval` table: per configuration and factor, the
 * accuracy of presence at 0.5 and the mean weight; then all degraded images and the clean photos.
 */
export function formatParserTable(p: ParserReport): string {
  const labels = [...Object.keys(p.perConfiguration), 'all degraded', 'clean photos'];
  const w = Math.max(...labels.map((l) => l.length), 'parser'.length);
  const colW = 10;
  const header = [`parser`.padEnd(w), ...FACTORS.map((f) => f.padStart(colW)), 'all 4'.padStart(6), 'images'.padStart(6)].join(' ');
  const rule = '-'.repeat(header.length);
  const lines = [
    header,
    rule,
    ...Object.entries(p.perConfiguration).map(([name, r]) =>
      [name.padEnd(w), ...FACTORS.map((f) => cell(r.accuracy[f], r.meanWeight[f]).padStart(colW)), `${(100 * r.exact).toFixed(0)}%`.padStart(6), String(r.count).padStart(6)].join(' '),
    ),
    rule,
    ['all degraded'.padEnd(w), ...FACTORS.map((f) => `${(100 * p.accuracy[f]).toFixed(0)}%`.padStart(colW)), `${(100 * p.exact).toFixed(0)}%`.padStart(6), ''.padStart(6)].join(' '),
  ];
  if (p.clean !== null) {
    const c = p.clean;
    lines.push([
      'clean photos'.padEnd(w),
      ...FACTORS.map((f) => cell(1 - c.falsePositive[f], c.meanWeight[f]).padStart(colW)),
      ''.padStart(6),
      String(c.count).padStart(6),
    ].join(' '));
  }
  lines.push(`parser: % of images whose weight >= ${p.threshold} matches the synthesis flag, and the mean weight; on clean photos every factor should read absent`);
  return `${lines.join('\n')}\n`;
}
