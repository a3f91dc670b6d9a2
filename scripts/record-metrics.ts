/**
 * Records an `f2d eval --json` report in a model's manifest, so the figures a
 * user reads there are the measured ones, never typed in:
 *
 *   node --import tsx scripts/record-metrics.ts --model models/f2d-lite --eval eval.json
 *
 * A report of the training synthesis (`--synth train`) goes to `metrics`, one
 * of the independent synthesis (`--synth independent`) to
 * `metricsIndependent`. The report must score the model it is recorded in
 * (same name), and the model must be intact (its files' hashes) first.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchmarkReport } from '../src/eval/report.js';
import { loadManifest } from '../src/model/manifest.js';

/** The manifest key a report belongs under, by the synthesis that made its weather. */
export function metricsKey(report: Pick<BenchmarkReport, 'synth'>): 'metrics' | 'metricsIndependent' {
  return report.synth.name === 'synth-independent' || report.synth.generator === 'independent' ? 'metricsIndependent' : 'metrics';
}

/** The manifest's record of one eval report (what `f2d eval` measured, and how to measure it again). */
export function manifestMetrics(report: BenchmarkReport): object {
  const generator = metricsKey(report) === 'metricsIndependent' ? 'independent' : 'train';
  const configurations = Object.keys(report.configurations).length;
  const photos = report.photos.split === 'val' ? 'validation' : report.photos.split;
  return {
    benchmark: `f2d eval --synth ${generator}: ${report.photos.count} ${photos} photos x ${configurations} CDD-11 configurations at ${report.size.width}x${report.size.height}, synthesis ${report.synth.name} seed ${report.synth.seed}`,
    synth: report.synth.name,
    metrics: report.metrics,
    configurations: report.configurations,
    tiers: report.tiers,
    mean: report.mean,
    ...(report.parser === null ? {} : { parser: { ...report.parser } }),
    command: `f2d eval --synth ${generator} --json FILE`,
  };
}

/**
 * Writes `evalFile`'s figures into `modelDir/manifest.json` under the key its synthesis names.
 *
 * @returns the key written
 * @throws Error when the report scores another model, or the model's files do not match their hashes
 */
export async function recordMetrics(modelDir: string, evalFile: string): Promise<'metrics' | 'metricsIndependent'> {
  await loadManifest(modelDir); // the model is there and intact before its manifest is touched
  const report = JSON.parse(readFileSync(evalFile, 'utf8')) as BenchmarkReport;
  if (report.model?.name !== path.basename(modelDir)) throw new Error(`${evalFile} scores model ${report.model?.name}, not ${path.basename(modelDir)}`);
  if (report.format !== 'f2d-eval/1') throw new Error(`${evalFile} is not an f2d eval --json report (format ${String(report.format)})`);
  // A manifest's figures are the network's own: the self-ensemble is the runtime's, not the model's.
  if ((report.model.ensemble ?? 1) !== 1) throw new Error(`${evalFile} restored ${report.model.ensemble} views per frame; record a report of --ensemble 1`);
  const manifestFile = path.join(modelDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
  const key = metricsKey(report);
  writeFileSync(manifestFile, `${JSON.stringify({ ...manifest, [key]: manifestMetrics(report) }, null, 2)}\n`);
  return key;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { model: { type: 'string' }, eval: { type: 'string' } } });
  if (values.model === undefined || values.eval === undefined) {
    process.stderr.write('usage: node --import tsx scripts/record-metrics.ts --model <model dir> --eval <f2d eval --json file>\n');
    process.exit(2);
  }
  const key = await recordMetrics(values.model, values.eval);
  process.stderr.write(`recorded ${values.eval} as ${key} of ${values.model}\n`);
}
