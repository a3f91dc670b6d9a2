/**
 * Compares a candidate's `f2d eval --json` report with the figures recorded in a shipped
 * model's manifest, configuration by configuration, so a training stage is judged the way the
 * project decides what ships: on the whole benchmark of each synthesis, not on one mean.
 *
 *   node --import tsx scripts/compare-eval.ts --model models/f2d-lite --eval cand.independent.json --eval cand.train.json
 *
 * Each report is compared with the manifest's record of the same synthesis (`metrics` for the
 * training one, `metricsIndependent` for the independent one), and only when both scored the
 * same benchmark (photos, size, synthesis and seed): a candidate scored with `--limit 30` is
 * refused rather than compared with the 89 photos the manifest was measured on.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ScoreRow } from '../src/eval/benchmark.js';
import type { BenchmarkReport } from '../src/eval/report.js';
import { manifestMetrics, metricsKey } from './record-metrics.js';

/** A configuration that moves by less than this (dB) is counted as unchanged. */
export const NOISE_DB = 0.05;

interface RecordedMetrics {
  readonly benchmark: string;
  readonly configurations: Readonly<Record<string, ScoreRow>>;
  readonly tiers: Readonly<Record<string, ScoreRow>>;
  readonly mean: ScoreRow;
}

/** One line of the comparison: the input's, the shipped model's and the candidate's scores. */
export interface ComparisonRow {
  readonly label: string;
  readonly input: number;
  readonly shipped: { readonly psnr: number; readonly ssim: number };
  readonly candidate: { readonly psnr: number; readonly ssim: number };
}

export interface Comparison {
  readonly key: 'metrics' | 'metricsIndependent';
  readonly benchmark: string;
  readonly configurations: readonly ComparisonRow[];
  readonly tiers: readonly ComparisonRow[];
  readonly mean: ComparisonRow;
}

function line(label: string, shipped: ScoreRow, candidate: ScoreRow): ComparisonRow {
  return {
    label,
    input: candidate.input.psnr,
    shipped: { psnr: shipped.restored.psnr, ssim: shipped.restored.ssim },
    candidate: { psnr: candidate.restored.psnr, ssim: candidate.restored.ssim },
  };
}

/**
 * The candidate `report` against `manifest`'s record of the same synthesis.
 *
 * @throws Error when the manifest has no record of that synthesis, or recorded another benchmark
 */
export function compareWithShipped(manifest: Record<string, unknown>, report: BenchmarkReport): Comparison {
  const key = metricsKey(report);
  const recorded = manifest[key] as RecordedMetrics | undefined;
  if (recorded === undefined) {
    throw new Error(`the manifest of ${String(manifest['name'])} records no ${key}: record one with scripts/record-metrics.ts first`);
  }
  const { benchmark } = manifestMetrics(report) as { benchmark: string };
  if (benchmark !== recorded.benchmark) {
    throw new Error(
      `not the same benchmark, so the figures cannot be compared:\n  candidate: ${benchmark}\n  shipped:   ${recorded.benchmark}\n` +
        'run f2d eval with the default photos and size, without --limit',
    );
  }
  const rows = (ours: Readonly<Record<string, ScoreRow>>, theirs: Readonly<Record<string, ScoreRow>>): ComparisonRow[] =>
    Object.keys(ours).map((name) => {
      const shipped = theirs[name];
      if (shipped === undefined) throw new Error(`the manifest's ${key} has no row ${name}`);
      return line(name, shipped, ours[name]!);
    });
  return {
    key,
    benchmark,
    configurations: rows(report.configurations, recorded.configurations),
    tiers: rows(report.tiers, recorded.tiers),
    mean: line('mean', recorded.mean, report.mean),
  };
}

/** A difference with its sign; one that rounds to zero has none (no "−0.000"). */
const signed = (v: number, digits: number): string => {
  const text = Math.abs(v).toFixed(digits);
  return Number(text) === 0 ? ` ${text}` : `${v > 0 ? '+' : '−'}${text}`;
};

/** The comparison as a table and one verdict line, for a terminal or a note. */
export function formatComparison(c: Comparison): string {
  const head = `${'configuration'.padEnd(15)}${'input'.padStart(7)}${'shipped'.padStart(16)}${'candidate'.padStart(16)}${'Δ dB'.padStart(8)}${'Δ SSIM'.padStart(9)}`;
  const fmt = (r: ComparisonRow): string =>
    r.label.padEnd(15) +
    r.input.toFixed(2).padStart(7) +
    `${r.shipped.psnr.toFixed(2)} / ${r.shipped.ssim.toFixed(3)}`.padStart(16) +
    `${r.candidate.psnr.toFixed(2)} / ${r.candidate.ssim.toFixed(3)}`.padStart(16) +
    signed(r.candidate.psnr - r.shipped.psnr, 2).padStart(8) +
    signed(r.candidate.ssim - r.shipped.ssim, 3).padStart(9);
  const delta = (r: ComparisonRow): number => r.candidate.psnr - r.shipped.psnr;
  const better = c.configurations.filter((r) => delta(r) >= NOISE_DB).length;
  const worse = c.configurations.filter((r) => delta(r) <= -NOISE_DB);
  const verdict =
    `${c.key === 'metricsIndependent' ? 'independent' : 'training'} synthesis: mean ${signed(delta(c.mean), 2)} dB / ${signed(c.mean.candidate.ssim - c.mean.shipped.ssim, 3)} SSIM; ` +
    `up by ${NOISE_DB} dB or more on ${better} of ${c.configurations.length} configurations, down on ${worse.length}` +
    (worse.length > 0 ? ` (${worse.map((r) => `${r.label} ${signed(delta(r), 2)}`).join(', ')})` : '');
  const rule = '-'.repeat(head.length);
  return [c.benchmark, head, rule, ...c.configurations.map(fmt), rule, ...c.tiers.map(fmt), fmt(c.mean), verdict].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { model: { type: 'string' }, eval: { type: 'string', multiple: true } } });
  if (values.model === undefined || values.eval === undefined) {
    process.stderr.write('usage: node --import tsx scripts/compare-eval.ts --model <shipped model dir> --eval <f2d eval --json file> [--eval …]\n');
    process.exit(2);
  }
  const manifest = JSON.parse(readFileSync(path.join(values.model, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  for (const file of values.eval) {
    const report = JSON.parse(readFileSync(file, 'utf8')) as BenchmarkReport;
    try {
      process.stdout.write(`${file} against ${values.model}:\n${formatComparison(compareWithShipped(manifest, report))}\n\n`);
    } catch (err) {
      process.stderr.write(`${file}: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  }
}
