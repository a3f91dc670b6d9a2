/**
 * The live pipeline: source → newest-frame scheduler → restorer → two H.264
 * encoders (restored, original) → the viewers' hub. The only place in the
 * live half that subscribes.
 */
import { Subscription, finalize, type Observable } from 'rxjs';
import type { Logger } from '../log.js';
import { LiveH264Encoder, type EncodedPicture } from '../media/live-h264-encoder.js';
import type { FrameRestorer } from '../model/types.js';
import type { StreamHub, TrackConfig } from '../server/stream-hub.js';
import type { TrackName } from '../server/protocol.js';
import { nowMs } from './clock.js';
import { FrameProcessor } from './frame-processor.js';
import { findSps } from './h264-bitstream.js';
import type { LiveMetrics } from './live-metrics.js';
import { processNewest } from './operators/process-newest.js';
import type { LiveFrame, ProcessedFrame } from './types.js';

/** Settings of {@link runLive} (a slice of the `serve` config). */
export interface LiveRunSettings {
  readonly parserInterval: number;
  readonly sceneCutThreshold: number;
  readonly passThroughBelow: number;
  readonly encoder: { readonly preset: string; readonly crf: number; readonly keyIntervalSec: number; readonly threads: number };
}

/** What the pipeline is doing, for `/healthz`, stats and logs. */
export interface LiveStatus {
  readonly state: 'starting' | 'live' | 'reconnecting' | 'ended' | 'failed';
  readonly framesIn: number;
  readonly framesOut: number;
  readonly dropped: number;
  readonly lastFrameMs: number | null;
  readonly error: string | null;
}

/** A running live pipeline. */
export interface LiveRun {
  /** Resolves when the source ends (a file without loop) or after {@link stop}; rejects on a fatal error. */
  readonly completion: Promise<void>;
  /** Stops the pipeline and frees the encoders; idempotent. */
  stop(): Promise<void>;
  status(): LiveStatus;
  /** Makes the next frame of `track` a key frame (a viewer joined or fell behind). */
  requestKeyFrame(track: TrackName): void;
  /** Told by the source layer when it opens, fails, or reconnects. */
  setSourceState(state: 'live' | 'reconnecting'): void;
}

/** What {@link runLive} needs. */
export interface LiveRunDeps {
  readonly frames$: Observable<LiveFrame>;
  readonly restorer: FrameRestorer;
  readonly hub: StreamHub;
  readonly metrics: LiveMetrics;
  readonly log: Logger;
  /** Nominal source frame rate for the encoders' rate control (the real rate may vary). */
  readonly fps: () => number;
  /** Called with each published frame (for recording and tests). */
  readonly onPublished?: (frame: ProcessedFrame, restored: EncodedPicture) => void;
}

interface Encoders {
  readonly width: number;
  readonly height: number;
  readonly restored: LiveH264Encoder;
  readonly original: LiveH264Encoder;
}

/**
 * Starts the live pipeline.
 *
 * Frames arriving while the restorer (plus the two encoders) is busy wait in a
 * single slot; a newer arrival replaces the waiting one, which is counted in
 * `f2d_frames_dropped_total`. Latency therefore stays under about two frame
 * processing times whatever the source rate.
 *
 * @example
 * const run = runLive(settings, { frames$, restorer, hub, metrics, log, fps: () => 25 });
 * await run.completion;
 */
export function runLive(settings: LiveRunSettings, deps: LiveRunDeps): LiveRun {
  const { hub, metrics, log } = deps;
  const processor = new FrameProcessor(deps.restorer, {
    interval: settings.parserInterval,
    sceneCutThreshold: settings.sceneCutThreshold,
    passThroughBelow: settings.passThroughBelow,
  });
  const keyWanted: Record<TrackName, boolean> = { restored: true, original: true };
  let encoders: Encoders | null = null;
  let state: LiveStatus['state'] = 'starting';
  let lastFrameMs: number | null = null;
  let error: string | null = null;
  let framesIn = 0;
  let framesOut = 0;
  let dropped = 0;

  const openEncoders = async (width: number, height: number): Promise<Encoders> => {
    if (encoders !== null && encoders.width === width && encoders.height === height) return encoders;
    if (encoders !== null) {
      log.info(`source size changed to ${width}x${height}: restarting the encoders`);
      await Promise.all([encoders.restored.close(), encoders.original.close()]);
      encoders = null;
    }
    const fps = deps.fps();
    const options = {
      width,
      height,
      fps,
      preset: settings.encoder.preset,
      crf: settings.encoder.crf,
      keyInterval: Math.max(1, Math.round(settings.encoder.keyIntervalSec * fps)),
      threads: settings.encoder.threads,
    };
    const [restored, original] = await Promise.all([LiveH264Encoder.create(options), LiveH264Encoder.create(options)]);
    encoders = { width, height, restored, original };
    keyWanted.restored = true;
    keyWanted.original = true;
    return encoders;
  };

  const takeKey = (track: TrackName): boolean => {
    const want = keyWanted[track];
    keyWanted[track] = false;
    if (want) metrics.keyFrames.inc({ track });
    return want;
  };

  const configOf = (picture: EncodedPicture): TrackConfig | null => {
    if (!picture.key) return null;
    const sps = findSps(picture.data);
    return sps === null ? null : { codec: sps.codec, width: sps.width, height: sps.height };
  };

  const processOne = async (frame: LiveFrame): Promise<void> => {
    const processed = await processor.process(frame);
    const enc = await openEncoders(frame.width, frame.height);
    const encodeStart = nowMs();
    const [restored, original] = await Promise.all([
      enc.restored.encode(processed.output.data, { forceKey: takeKey('restored') }),
      enc.original.encode(frame.data, { forceKey: takeKey('original') }),
    ]);
    const published = nowMs();
    if (restored !== null) {
      hub.publishVideo({ track: 'restored', data: restored.data, key: restored.key, passThrough: processed.passThrough, seq: frame.seq, captureMs: frame.captureMs, config: configOf(restored) });
    }
    if (original !== null) {
      hub.publishVideo({ track: 'original', data: original.data, key: original.key, passThrough: false, seq: frame.seq, captureMs: frame.captureMs, config: configOf(original) });
    }
    if (processed.maps !== null && processed.weights !== null) {
      const m = processed.maps;
      hub.publishMaps({ seq: frame.seq, captureMs: frame.captureMs, width: m.width, height: m.height, weights: processed.weights, planes: m.planes });
    }
    framesOut += 1;
    metrics.framesOut.inc();
    if (processed.passThrough) metrics.passThrough.inc();
    if (processed.parse !== null) metrics.parserRuns.inc({ reason: processed.parse });
    metrics.stageLatency.observe((processed.startMs - frame.captureMs) / 1000, { stage: 'wait' });
    metrics.stageLatency.observe((encodeStart - processed.startMs) / 1000, { stage: 'restore' });
    metrics.stageLatency.observe((published - encodeStart) / 1000, { stage: 'encode' });
    metrics.stageLatency.observe((published - frame.captureMs) / 1000, { stage: 'pipeline' });
    if (restored !== null) deps.onPublished?.(processed, restored);
  };

  let stopping = false;
  let resolveDone: () => void = () => undefined;
  let rejectDone: (err: unknown) => void = () => undefined;
  const completion = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const subscription = new Subscription();
  subscription.add(
    deps.frames$
      .pipe(
        processNewest(
          (frame: LiveFrame) => {
            framesIn += 1;
            lastFrameMs = frame.captureMs;
            metrics.framesIn.inc();
            if (state !== 'live') setState('live');
            return processOne(frame);
          },
          {
            onDrop: () => {
              framesIn += 1;
              dropped += 1;
              metrics.framesIn.inc();
              metrics.framesDropped.inc();
            },
          },
        ),
        finalize(() => {
          const enc = encoders;
          encoders = null;
          if (enc !== null) void Promise.all([enc.restored.close(), enc.original.close()]);
        }),
      )
      .subscribe({
        error: (err: unknown) => {
          state = 'failed';
          error = (err as Error).message;
          metrics.sourceUp.set(0);
          rejectDone(err);
        },
        complete: () => {
          state = 'ended';
          metrics.sourceUp.set(0);
          resolveDone();
        },
      }),
  );

  function setState(next: 'live' | 'reconnecting'): void {
    if (next === 'reconnecting' && state === 'live') processor.reset();
    state = next;
    metrics.sourceUp.set(next === 'live' ? 1 : 0);
  }

  return {
    completion,
    status: () => ({ state, framesIn, framesOut, dropped, lastFrameMs, error }),
    requestKeyFrame: (track) => {
      keyWanted[track] = true;
    },
    setSourceState: setState,
    stop: async () => {
      if (stopping) return completion.catch(() => undefined);
      stopping = true;
      subscription.unsubscribe();
      if (state !== 'failed') state = 'ended';
      resolveDone();
      const enc = encoders;
      encoders = null;
      if (enc !== null) await Promise.all([enc.restored.close(), enc.original.close()]);
    },
  };
}
