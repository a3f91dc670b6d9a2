/**
 * The clip job behind `f2d eval --clip <video>`: restores a clip's frames in
 * order, as `f2d restore` does (the parser on its schedule), and measures the
 * flicker of input and output on static pixels (`src/eval/flicker.ts`). With
 * `--weather` the clip is taken as clean and degraded first with one storm for
 * the whole clip and fresh noise per frame (as `f2d degrade` does a video), so
 * the static pixels come from the clean frames and PSNR can be given too.
 */
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { synthDir } from '../config/synth-dir.js';
import type { Config } from '../config/types.js';
import { F2dError } from '../errors.js';
import type { ClipReport } from '../eval/clip-report.js';
import { FlickerMeter } from '../eval/flicker.js';
import { psnr, type RgbImage } from '../eval/metrics.js';
import { FACTORS } from '../factors.js';
import type { RgbFrame } from '../frame.js';
import type { Logger } from '../log.js';
import { VideoReader } from '../media/index.js';
import { OnnxRestorer } from '../model/onnx-restorer.js';
import { ensembleFor, openRestorer, openWeather } from '../model/open.js';
import type { FrameRestorer } from '../model/types.js';
import type { ProgressSink } from '../restore/index.js';
import { TransientFilter, weatherToFilter } from '../temporal/transient-filter.js';

/** The config sections the clip job reads (`eval.limit` = the first n frames). */
export type ClipJobConfig = Pick<Config, 'model' | 'synth' | 'eval'>;

export interface ClipJobHooks {
  readonly log: Logger;
  readonly signal?: AbortSignal;
  readonly progress?: (unit: string) => ProgressSink;
}

/**
 * A copy the model may take: its buffer is transferred to the worker. `new Uint8Array(view)`
 * always copies; the reader hands out Buffers, whose `slice()` is a view on the same memory
 * (transferring it would detach the frame still being measured).
 */
const copy = (im: RgbImage): RgbFrame => ({ width: im.width, height: im.height, data: new Uint8Array(im.data) });

/**
 * Runs it and returns the report.
 *
 * @throws {F2dError} the input errors of the reader, ERR_MODEL_SYNTH_CONFIG for an unknown
 *   weather, ERR_EVAL_CLIP for a clip of fewer than two frames, ERR_EVAL_INTERRUPTED, model errors
 */
export async function runClipJob(clip: string, config: ClipJobConfig, hooks: ClipJobHooks): Promise<ClipReport> {
  const { log } = hooks;
  const started = performance.now();
  const limit = config.eval.limit;
  const weather = config.synth.weather;
  const reader = await VideoReader.open(clip, { log: log.child('media') });
  let synth: FrameRestorer | null = null;
  let restorer: FrameRestorer | null = null;
  const view = hooks.progress?.('frames');
  try {
    // One clip, one storm: the parameters of synth.seed for every frame, fresh noise per frame.
    synth = weather === null ? null : await openWeather(config.synth, config.model, weather, true, log.child('synth'));
    restorer = await openRestorer(config.model, log.child('model'), { streams: 1, purpose: 'video' });
    const meter = new FlickerMeter();
    const temporal = config.model.temporalFilter === 'auto' ? new TransientFilter() : null;
    let cleanedShare = 0;
    const sums = { input: 0, output: 0, weights: FACTORS.map(() => 0), runs: 0 };
    let frames = 0;
    const total = limit > 0 ? Math.min(limit, reader.info.expectedFrames ?? limit) : reader.info.expectedFrames;
    while (limit === 0 || frames < limit) {
      const item = reader.next();
      if (item.kind === 'end') break;
      if (item.kind === 'packet') {
        item.packet.packet.free(); // audio and other streams: nothing is written
        continue;
      }
      if (hooks.signal?.aborted) {
        throw new F2dError('ERR_EVAL_INTERRUPTED', 'interrupted', `the clip evaluation was stopped after ${frames} frames`, {
          hint: 'use --limit <n> to evaluate only the first n frames',
        });
      }
      const source = item.frame.rgb;
      const clean = synth === null ? null : copy(source);
      const input = synth === null ? source : (await synth.restore(copy(source))).frame;
      const r = await restorer.restore(copy(input));
      if (temporal) cleanedShare += temporal.apply(r.frame, weatherToFilter(r.weights)).cleanedShare;
      meter.add(input, r.frame, clean ?? undefined);
      if (clean !== null) {
        sums.input += psnr(input, clean);
        sums.output += psnr(r.frame, clean);
      }
      if (r.parserRan && r.weights) {
        r.weights.forEach((w, k) => (sums.weights[k]! += w));
        sums.runs++;
      }
      frames++;
      view?.update({ done: frames, total, elapsedSec: (performance.now() - started) / 1000 });
    }
    if (frames < 2) {
      throw new F2dError('ERR_EVAL_CLIP', 'input', `${clip} gave ${frames} frame${frames === 1 ? '' : 's'}; flicker needs at least two`, {
        hint: 'use a longer clip, or a larger --limit (0 = every frame)',
      });
    }
    const { width, height } = reader.info;
    return {
      format: 'f2d-eval-clip/1',
      clip: { path: clip, width, height, frames },
      model: {
        name: restorer instanceof OnnxRestorer ? restorer.modelName : path.basename(config.model.dir),
        dir: config.model.dir,
        ensemble: ensembleFor(config.model.ensemble, 'video'),
      },
      weather: weather === null ? null : { configuration: weather, synthDir: synthDir(config.synth), seed: config.synth.seed },
      temporalFilter: temporal === null ? null : { cleanedShare: cleanedShare / frames },
      flicker: meter.result(),
      psnr: synth === null ? null : { input: sums.input / frames, output: sums.output / frames },
      parser:
        sums.runs === 0
          ? null
          : { runs: sums.runs, meanWeight: Object.fromEntries(FACTORS.map((f, k) => [f, sums.weights[k]! / sums.runs])) as Record<(typeof FACTORS)[number], number> },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    view?.done();
    await restorer?.close();
    await synth?.close();
    reader.close();
  }
}
