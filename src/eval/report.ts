/**
 * How `f2d eval` shows its results: a fixed-width table for people and a JSON
 * document (`--json`) with the same numbers plus every item.
 */
import type { SynthConfig } from '../config/types.js';
import type { BenchmarkItem, BenchmarkSummary, ScoreRow } from './benchmark.js';
import { formatExpertTable, type ExpertReport } from './expert-selectivity.js';
import { formatParserTable, type ParserReport } from './parser-accuracy.js';
import { formatVelocityTable, type VelocitySection } from './velocity-probe.js';

/** Describes the run next to the numbers in the JSON document. */
export interface BenchmarkInfo {
  /** `ensemble`: the views restored per frame (`model.ensemble`); absent in reports from before it, which restored one. */
  readonly model: { readonly name: string; readonly dir: string; readonly ensemble?: number };
  /** Which synthesis made the weather: its manifest name, the bundled generator (null for a folder of one's own), folder and seed. */
  readonly synth: { readonly name: string; readonly generator: SynthConfig['generator'] | null; readonly dir: string; readonly seed: number };
  readonly photos: { readonly dir: string; readonly split: string; readonly count: number };
  readonly size: { readonly width: number; readonly height: number };
  readonly seconds: number;
}

/** The `--json` document of `f2d eval`. */
export interface BenchmarkReport extends BenchmarkInfo, BenchmarkSummary {
  readonly format: 'f2d-eval/1';
  readonly metrics: string;
  /** The parser's presence accuracy per factor and its weights on the clean photos; null when the restorer gives no weights. */
  readonly parser: ParserReport | null;
  /** The experts' selectivity and gate per configuration; null when the model does not output its gate. */
  readonly experts: ExpertReport | null;
  /**
   * The velocity probe (`--diagnostics`; absent without it): ρ, cosine and the gate at each
   * transport step, or `{ rows: null, reason }` when the model has no velocity graph.
   */
  readonly velocity?: VelocitySection;
  readonly items: readonly BenchmarkItem[];
}

/** What the metrics are, in words, for the table and the JSON. */
export const METRICS_NOTE =
  'PSNR (dB) and SSIM on 8-bit RGB, data range 1; SSIM: 7x7 uniform window, sample covariance, K1 0.01, K2 0.03, valid windows (skimage)';

/** The report document. */
export function benchmarkReport(
  info: BenchmarkInfo,
  summary: BenchmarkSummary,
  items: readonly BenchmarkItem[],
  parser: ParserReport | null = null,
  experts: ExpertReport | null = null,
  velocity?: VelocitySection,
): BenchmarkReport {
  return { format: 'f2d-eval/1', ...info, metrics: METRICS_NOTE, ...summary, parser, experts, ...(velocity === undefined ? {} : { velocity }), items };
}

const pad = (s: string, n: number): string => s.padEnd(n);
const num = (v: number, digits: number, width: number): string => v.toFixed(digits).padStart(width);

function row(label: string, r: ScoreRow, labelWidth: number): string {
  const gain = r.restored.psnr - r.input.psnr;
  return [
    pad(label, labelWidth),
    num(r.input.psnr, 2, 8),
    num(r.input.ssim, 4, 8),
    num(r.restored.psnr, 2, 10),
    num(r.restored.ssim, 4, 8),
    `${gain >= 0 ? '+' : ''}${gain.toFixed(2)}`.padStart(8),
    String(r.count).padStart(6),
    `${r.tone.biasLevels >= 0 ? '+' : ''}${r.tone.biasLevels.toFixed(1)}`.padStart(8),
    num(r.tone.psnrWithReferenceMeans, 2, 10),
    `${r.inputTone.rmsLevels.toFixed(1)}→${r.tone.rmsLevels.toFixed(1)}`.padStart(12),
  ].join(' ');
}

/**
 * The results as a table: one line per configuration, per tier and the mean.
 *
 * @example
 * stdout.write(formatBenchmarkTable(report));
 */
export function formatBenchmarkTable(report: BenchmarkReport): string {
  const labels = [...Object.keys(report.configurations), ...Object.keys(report.tiers).map((t) => `${t} (tier)`), 'mean'];
  const w = Math.max(...labels.map((l) => l.length), 'configuration'.length);
  const header = [pad('configuration', w), 'in PSNR'.padStart(8), 'in SSIM'.padStart(8), 'out PSNR'.padStart(10), 'out SSIM'.padStart(8), 'gain dB'.padStart(8), 'images'.padStart(6), 'out bias'.padStart(8), 'tone-fixed'.padStart(10), 'tone in→out'.padStart(12)].join(' ');
  const rule = '-'.repeat(header.length);
  const lines = [
    `f2d eval: ${report.photos.count} ${report.photos.split} photos x ${Object.keys(report.configurations).length} configurations at ${report.size.width}x${report.size.height}, model ${report.model.name} (${report.model.dir})${views(report.model.ensemble)}, synthesis ${report.synth.name} seed ${report.synth.seed}`,
    header,
    rule,
    ...Object.entries(report.configurations).map(([name, r]) => row(name, r, w)),
    rule,
    ...Object.entries(report.tiers).map(([tier, r]) => row(`${tier} (tier)`, r, w)),
    row('mean', report.mean, w),
    `in = degraded input, out = restored; ${METRICS_NOTE}; ${report.seconds.toFixed(1)} s`,
    `out bias = the restored picture's mean error in 8-bit levels (+: brighter than the clean photo); tone-fixed = its PSNR with each channel's mean moved to the clean photo's (far above out PSNR: the overall tone is what is wrong); tone in→out = how far each channel's mean is from the clean photo's (RMS over channels, levels), for the input and the restored picture (out above in: the restorer's global correction made the tone worse)`,
  ];
  const parser = report.parser === null ? '' : `\n${formatParserTable(report.parser)}`;
  const experts = report.experts === null ? '' : `\n${formatExpertTable(report.experts)}`;
  const velocity = report.velocity === undefined ? '' : `\n${formatVelocityTable(report.velocity)}`;
  return `${lines.join('\n')}\n${parser}${experts}${velocity}`;
}

/** The views per frame, said when there was more than one. */
export function views(ensemble: number | undefined): string {
  return ensemble === undefined || ensemble === 1 ? '' : ` with ${ensemble} views per frame (model.ensemble)`;
}
