/**
 * How `f2d eval --clip` shows its results: a few lines for people and a JSON
 * document (`--json`) with the same numbers plus the per-pair figures.
 */
import { FACTORS } from '../factors.js';
import type { FlickerResult } from './flicker.js';
import type { PerFactor } from './parser-accuracy.js';
import { views } from './report.js';

/** The `--json` document of `f2d eval --clip`. */
export interface ClipReport {
  readonly format: 'f2d-eval-clip/1';
  readonly clip: { readonly path: string; readonly width: number; readonly height: number; readonly frames: number };
  /** `ensemble`: the views restored per frame (`model.ensemble`). */
  readonly model: { readonly name: string; readonly dir: string; readonly ensemble?: number };
  /** The weather synthesised on the clip before restoring it (`--weather`); null = the clip was restored as it is. */
  readonly weather: { readonly configuration: string; readonly synthDir: string; readonly seed: number } | null;
  /** The temporal filter after the model (`model.temporalFilter`): the mean share of pixels it lowered; null = off. */
  readonly temporalFilter: { readonly cleanedShare: number } | null;
  readonly flicker: FlickerResult;
  /** Mean PSNR (dB) of input and output frames against the clean clip, when there is one. */
  readonly psnr: { readonly input: number; readonly output: number } | null;
  /** The parser on this clip: how often it ran and its mean weights over those runs. */
  readonly parser: { readonly runs: number; readonly meanWeight: PerFactor } | null;
  readonly seconds: number;
}

/** The clip's results in a few lines. */
export function formatClipReport(r: ClipReport): string {
  const f = r.flicker;
  const source = r.weather === null ? 'as given' : `degraded with ${r.weather.configuration} (${r.weather.synthDir}, seed ${r.weather.seed}, one storm)`;
  const lines = [
    `f2d eval --clip: ${r.clip.path}, ${r.clip.frames} frames at ${r.clip.width}x${r.clip.height}, ${source}, model ${r.model.name} (${r.model.dir})${views(r.model.ensemble)}`,
    `flicker (mean |dY| on static pixels, 8-bit levels): input ${f.input.toFixed(3)}, output ${f.output.toFixed(3)}` +
      (f.reference === null ? '' : `, clean ${f.reference.toFixed(3)}`) +
      `; output/input ${f.ratio === null ? 'n/a (the input does not change)' : f.ratio.toFixed(3)}${f.ratio !== null && f.ratio > 1 ? ' (the restoration adds flicker)' : ''}`,
    `static pixels from the ${f.mask === 'reference' ? 'clean clip' : `input's ${f.options.window}-frame temporal median (no clean clip)`}: ${(100 * f.staticShare).toFixed(1)}% over ${f.pairs} frame pairs (${f.options.block}px blocks, threshold ${f.options.threshold} levels)`,
  ];
  lines.push(
    r.temporalFilter === null
      ? 'temporal filter: off (each frame restored alone)'
      : `temporal filter: on, lowered ${(100 * r.temporalFilter.cleanedShare).toFixed(2)}% of the pixels per frame (still parts brighter than their recent median)`,
  );
  if (r.psnr !== null) lines.push(`PSNR against the clean clip: input ${r.psnr.input.toFixed(2)} dB, output ${r.psnr.output.toFixed(2)} dB`);
  if (r.parser !== null) {
    lines.push(`parser mean weights over ${r.parser.runs} runs: ${FACTORS.map((k) => `${k} ${r.parser!.meanWeight[k].toFixed(2)}`).join(', ')}`);
  }
  lines.push(`${r.seconds.toFixed(1)} s`);
  return `${lines.join('\n')}\n`;
}
