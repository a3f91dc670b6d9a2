/**
 * `f2d eval --diagnostics`: the velocity probe (`src/eval/velocity-probe.ts`)
 * on the benchmark images the benchmark job kept, with the model's
 * `velocity.onnx`, after the restorer is closed. A model without the graph
 * gets a notice before the benchmark and a section that says why, not an error.
 */
import { performance } from 'node:perf_hooks';
import type { Config } from '../config/types.js';
import type { RgbImage } from '../eval/metrics.js';
import { runVelocityProbe, velocityReport, type ProbeItem, type VelocityReport, type VelocityUnavailable } from '../eval/velocity-probe.js';
import type { RgbFrame } from '../frame.js';
import type { Logger } from '../log.js';
import { OnnxVelocityProbe, velocityGraphStatus } from '../model/onnx-velocity.js';
import type { ProgressSink } from '../restore/index.js';

export interface VelocityJobHooks {
  readonly log: Logger;
  readonly signal?: AbortSignal;
  readonly progress?: (unit: string) => ProgressSink;
}

/** A copy the probe may take: its buffer is transferred to the worker. */
const copy = (im: RgbImage): RgbFrame => ({ width: im.width, height: im.height, data: im.data.slice() });

/**
 * Whether the model can run the probe: null when it can; when it cannot, the
 * report's section saying why, after a notice in the log (before the benchmark,
 * so nobody waits for it to learn that).
 *
 * @throws {F2dError} the errors of loading the model's manifest
 */
export async function velocityUnavailable(modelDir: string, log: Logger): Promise<VelocityUnavailable | null> {
  const status = await velocityGraphStatus(modelDir);
  if (status.available) return null;
  log.info(`note: --diagnostics: the velocity probe did not run: ${status.reason}`);
  return { rows: null, reason: status.reason };
}

/**
 * Runs the probe on `items` (the first `eval.diagnosticsImages` benchmark images of each
 * configuration), for a model {@link velocityUnavailable} found the graph in.
 *
 * @param flags - the synthesis manifest's configurations (name → 4 flags)
 * @param perConfiguration - how many images of each configuration `items` holds at most
 * @throws {F2dError} ERR_EVAL_INTERRUPTED, the model load and run errors
 */
export async function runVelocityDiagnostics(
  config: Pick<Config, 'model'>,
  items: readonly ProbeItem[],
  flags: Readonly<Record<string, readonly number[]>>,
  perConfiguration: number,
  hooks: VelocityJobHooks,
): Promise<VelocityReport> {
  const { log } = hooks;
  const probe = await OnnxVelocityProbe.create({
    modelDir: config.model.dir,
    provider: config.model.provider,
    threads: config.model.threads,
    onWarning: (w) => log.warn(w),
  });
  const view = hooks.progress?.('probe images');
  const started = performance.now();
  try {
    const observations = await runVelocityProbe(
      items,
      { kGrid: probe.kGrid, probe: (degraded, clean, ks, seeds) => probe.probe(copy(degraded), copy(clean), ks, seeds) },
      {
        onItem: (done, total) => view?.update({ done, total, elapsedSec: (performance.now() - started) / 1000 }),
        ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
      },
    );
    const seconds = (performance.now() - started) / 1000;
    log.debug(`velocity probe: ${items.length} images x ${probe.kGrid.length} steps in ${seconds.toFixed(1)} s`);
    const meta = { kGrid: probe.kGrid, sigmasScale: probe.sigmasScale, images: items.length, imagesPerConfiguration: perConfiguration, seconds };
    return velocityReport(observations, meta, flags);
  } finally {
    view?.done();
    await probe.close();
  }
}
