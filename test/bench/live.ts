/**
 * The live path as `f2d serve` runs it (src/live/run-live.ts): a file source
 * paced at its frame rate, the newest-frame scheduler, the real restorer in
 * its worker, both H.264 encoders and the viewers' hub (no viewer attached,
 * so no socket cost). Latency is capture → published, per frame.
 */
import { nowMs } from '../../src/clock.js';
import { LiveMetrics } from '../../src/live/live-metrics.js';
import { runLive } from '../../src/live/run-live.js';
import { sourceFrames$ } from '../../src/live/sources/source-frames.js';
import { parseSourceUri } from '../../src/live/sources/source-uri.js';
import { silentLogger } from '../../src/log.js';
import { OnnxRestorer } from '../../src/model/onnx-restorer.js';
import type { ExecutionProvider } from '../../src/model/types.js';
import { StreamHub } from '../../src/server/stream-hub.js';
import { percentile } from './stats.js';

export interface LiveSettings {
  readonly clip: string;
  readonly width: number;
  readonly height: number;
  readonly modelDir: string;
  readonly provider: ExecutionProvider;
  readonly threads: number;
  readonly parserInterval: number;
  readonly seconds: number;
  /** Leading seconds left out of the figures (model warm-up, first key frames). */
  readonly warmupSeconds: number;
  readonly encoder: { readonly preset: string; readonly crf: number; readonly keyIntervalSec: number; readonly threads: number };
}

export interface LiveRunResult {
  readonly framesIn: number;
  readonly framesOut: number;
  readonly fpsIn: number;
  readonly fpsOut: number;
  /** Dropped ÷ arrived, in the measured window. */
  readonly dropRate: number;
  readonly latencyP50Ms: number;
  readonly latencyP95Ms: number;
  /** Median restore time of a frame (worker round trip included). */
  readonly restoreMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Plays the clip live for `seconds` and measures what comes out. */
export async function liveRun(s: LiveSettings): Promise<LiveRunResult> {
  const restorer = await OnnxRestorer.create({
    modelDir: s.modelDir,
    provider: s.provider,
    threads: s.threads,
    // The live side's planner decides when the parser runs (as `f2d serve` configures it).
    parserInterval: s.parserInterval,
  });
  const metrics = new LiveMetrics();
  const hub = new StreamHub({ maxBufferedBytes: 1 << 20, keyRequestIntervalMs: 1000, maxBadMessages: 5, hello: {} });
  const latencies: number[] = [];
  const restoreMs: number[] = [];
  let measuring = false;
  const run = runLive(
    // Scene cuts off (the looped clip would cut at each loop) and never pass through (an untrained
    // model's weights would decide it): the parser runs exactly every `parserInterval` frames.
    { parserInterval: s.parserInterval, sceneCutThreshold: 0, passThroughBelow: 0, encoder: s.encoder },
    {
      frames$: sourceFrames$(parseSourceUri(s.clip), { width: s.width, height: s.height, loop: true }),
      restorer,
      hub,
      metrics,
      log: silentLogger,
      fps: () => 25,
      onPublished: (frame) => {
        if (!measuring) return;
        latencies.push(nowMs() - frame.source.captureMs);
        const r = frame.timings['restore'];
        if (r !== undefined) restoreMs.push(r);
      },
    },
  );
  let failed: unknown = null;
  run.completion.catch((err: unknown) => (failed = err));
  try {
    await sleep(s.warmupSeconds * 1000);
    const a = run.status();
    measuring = true;
    const t0 = nowMs();
    await sleep(s.seconds * 1000);
    const b = run.status();
    const sec = (nowMs() - t0) / 1000;
    if (failed !== null) throw failed;
    const framesIn = b.framesIn - a.framesIn;
    const framesOut = b.framesOut - a.framesOut;
    if (latencies.length === 0) throw new Error(`the live run published no frame in ${s.seconds} s (status ${JSON.stringify(b)})`);
    return {
      framesIn,
      framesOut,
      fpsIn: framesIn / sec,
      fpsOut: framesOut / sec,
      dropRate: framesIn > 0 ? (b.dropped - a.dropped) / framesIn : 0,
      latencyP50Ms: percentile(latencies, 50),
      latencyP95Ms: percentile(latencies, 95),
      restoreMs: restoreMs.length > 0 ? percentile(restoreMs, 50) : NaN,
    };
  } finally {
    await run.stop();
    await restorer.close();
  }
}
